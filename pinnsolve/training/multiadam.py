"""MultiAdam: Adam moments kept separately for every loss term (Yao et al., ICML 2023,
"MultiAdam: parameter-wise scale-invariant optimizer for multiscale training of PINNs").

For terms L_1..L_n with gradients g_i = ∇θ L_i, each term has its own first and second
moments, with bias correction at step t,

    m_i ← β₁ m_i + (1-β₁) g_i,   v_i ← β₂ v_i + (1-β₂) g_i²,
    θ ← θ - η · (1/n) Σ_i m̂_i / (√v̂_i + ε),   m̂_i = m_i/(1-β₁ᵗ), v̂_i = v_i/(1-β₂ᵗ).

Each summand is invariant to a rescaling of its own term, so a term that is 10⁶ times larger
than another no longer dominates the step: the balancing is per parameter and automatic.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import torch


class MultiAdam(torch.optim.Optimizer):
    """Adam with one pair of moments per loss term; see the module docstring.

    Args:
        params: the parameters.
        lr, betas, eps: as in Adam.
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    def step_losses(self, losses: Sequence[torch.Tensor]) -> bool:
        """One step on the terms ``losses`` (scalars sharing one graph).

        Returns:
            False (and changes nothing) when a gradient is not finite.
        """
        params = [p for g in self.param_groups for p in g["params"]]
        grads = []
        for i, loss in enumerate(losses):
            gi = torch.autograd.grad(loss, params, retain_graph=i < len(losses) - 1,
                                     allow_unused=True)
            grads.append([torch.zeros_like(p) if g is None else g for g, p in zip(gi, params)])
        if not all(torch.isfinite(g).all() for gs in grads for g in gs):
            return False
        self.step_grads(grads)
        return True

    @torch.no_grad()
    def step_grads(self, grads: Sequence[Sequence[torch.Tensor]]) -> None:
        """One step from per-term gradients ``grads[i][j]`` (term i, parameter j)."""
        n = len(grads)
        j = 0
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                g = torch.stack([grads[i][j] for i in range(n)])
                j += 1
                state = self.state[p]
                if not state:
                    state["step"] = torch.zeros((), dtype=torch.float64)
                    state["exp_avg"] = torch.zeros_like(g)
                    state["exp_avg_sq"] = torch.zeros_like(g)
                state["step"] += 1
                t = float(state["step"])
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                m_hat = m / (1 - b1 ** t)
                v_hat = v / (1 - b2 ** t)
                p.sub_(group["lr"] * (m_hat / (v_hat.sqrt() + group["eps"])).mean(0))
