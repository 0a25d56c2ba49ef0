package fitness

import "math"

var inf = math.Inf(1)
