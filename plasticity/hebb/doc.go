// Package hebb implements differentiable plasticity (SPEC §10): recurrent
// networks of tanh neurons whose connections carry a fixed weight and a
// plastic part, the Hebbian trace, whose gain α and rate η are learned by
// gradient descent through whole episodes (Miconi, Clune and Stanley,
// "Differentiable plasticity: training plastic neural networks with
// backpropagation", ICML 2018, arXiv 1804.02464) and its neuromodulated
// follow-up (Miconi, Rawal, Clune and Stanley, "Backpropamine: training
// self-modifying neural networks with differentiable neuromodulated
// plasticity", ICLR 2019). The code is written from the equations below;
// the reference implementations were not used.
//
// # Network
//
// N neurons with outputs x(t) ∈ (−1, 1)^N, x(0) = 0. Connection i → j
// (pre i, post j) has a fixed weight w_ji, a plasticity coefficient α_ji
// and a trace H_ji(t), reset to 0 at the start of every episode. With
// external input u(t),
//
//	x_j(t) = tanh( Σ_i (w_ji + α_ji H_ji(t)) x_i(t−1) + u_j(t) )
//
// or, with clamped input, x_j(t) = u_j(t) wherever u_j(t) ≠ 0. The trace
// used at step t is the one from before step t's update. Matrices are
// stored row-major by post-synaptic neuron: w[j*N+i] is w_ji. α is per
// synapse (N² values), per post-neuron (α_ji = α_j) or one shared scalar;
// AlphaNone fixes α ≡ 0, the non-plastic RNN trained by the same code.
//
// # Trace rules
//
// With y = x(t) (post) and x' = x(t−1) (pre), η one learned scalar:
//
//	hebb:           H_ji(t+1) = (1 − η) H_ji(t) + η x'_i y_j
//	oja:            H_ji(t+1) = H_ji(t) + η y_j (x'_i − y_j H_ji(t))
//	neuromodulated: H_ji(t+1) = clip( H_ji(t) + M(t) x'_i y_j ),
//	                M(t) = tanh(w_M · x(t) + b_M)
//
// and, for every rule, an optional hard clip to [−c, c] (always on for
// neuromodulated, c = 1 by default). For 0 ≤ η ≤ 1 the hebb trace is a
// convex combination of its past and a product of two numbers in (−1, 1),
// so |H| ≤ 1. The Oja trace of a constant pair (x', y) converges to its
// fixed point H* = x'/y for 0 < η y² < 2.
//
// # Loss and gradient
//
// An Episode gives u(t) for t = 1..T, a target and per-neuron weights m_j;
// the loss is L = Σ_j m_j (x_j(T) − target_j)² at the last step. The
// gradient with respect to w, α, η, w_M and b_M is exact backpropagation
// through time, written by hand: with δa_j(t) = ∂L/∂x_j(t)·(1 − x_j(t)²)
// (0 where x_j is clamped) and G(t) = ∂L/∂H(t),
//
//	∂L/∂w_ji   = Σ_t δa_j(t) x_i(t−1)
//	∂L/∂α_ji   = Σ_t δa_j(t) H_ji(t) x_i(t−1)
//	G_ji(t)    = δa_j(t) α_ji x_i(t−1) + (∂H_ji(t+1)/∂H_ji(t)) G_ji(t+1)
//	∂L/∂x_i(t−1) = Σ_j (w_ji + α_ji H_ji(t)) δa_j(t) + Σ_j G_ji(t+1) ∂H_ji(t+1)/∂x_i(t−1)
//
// plus the terms of x(t) as post-synaptic factor (and through M(t)) and of
// η; a clipped entry passes no gradient. The traces of the backward pass
// come from one of three memory modes: all T traces stored (when T·N²
// values fit the memory budget), recomputed forward from checkpoints every
// S steps, or reconstructed backwards, H(t) = (H(t+1) − η x'_i y_j)/(1 − η)
// for hebb and (H(t+1) − η y_j x'_i)/(1 − η y_j²) for oja, exact in exact
// arithmetic when there is no clip.
//
// # Tasks
//
// PatternTask is the binary pattern memorisation and completion task of
// the 2018 paper; ImageTask is its image reconstruction task with MNIST or
// Fashion-MNIST in place of CIFAR-10 (SPEC §10).
//
// # Training, files, evolution
//
// Trainer takes Adam steps (package plasticity's Adam) on the mean exact
// gradient of a batch of episodes, computed in parallel with results
// independent of the number of workers; its state (parameters, Adam's
// moments, episodes done) checkpoints with MarshalBinary and resumes
// exactly. WriteParams and ReadParams store a network as a NumPy .npz
// archive (format evolve-hebb/1). The fitness landscape fitness.Hebb
// makes η and α genome-level coefficients of this engine for evolution
// (evolve run --landscape hebb); the command is evolve hebb.
package hebb
