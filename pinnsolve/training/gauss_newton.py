"""Gauss-Newton / Levenberg-Marquardt phase for small networks.

The PINN loss is a sum of squares, L(θ) = ‖r(θ)‖² with r the residual vector of every term
scaled by √(w / n) (so that ‖r‖² is exactly the weighted mean-square loss). Each step solves
the damped normal equations of the linearised residual,

    (JᵀJ + λ I) δ = -Jᵀ r,   J = ∂r/∂θ  (N × P),

and accepts θ + δ when the actual decrease of L matches the decrease the linear model
predicts, pred = ‖r‖² - ‖r + Jδ‖² > 0, by a ratio ϱ > 1e-4. λ follows Nielsen's rule
(accept: λ ← λ·max(1/3, 1-(2ϱ-1)³); reject: λ ← λ·ν, ν ← 2ν). When N·P is small enough J is
formed densely (per-point gradients, batched backward) and the system is solved by Cholesky;
otherwise, or with ``cg_iters`` > 0, the system is solved matrix-free by conjugate gradients
with J v from a double vector-Jacobian product (d/du ⟨Jᵀu, v⟩ = J v) and Jᵀw from one
backward pass.
"""
from __future__ import annotations

from typing import Callable, Iterable

import torch

from .quasi_newton import flat, write

# Entries of J formed densely. The batched backward that forms J is slow on PDE residual
# graphs (measured: 13.5 s for 512 rows × 921 parameters of the heat problem, one thread,
# against 0.3 s for a 20-iteration CG step), so dense is kept to small systems.
DENSE_MAX = 20_000
ROW_CHUNK = 512          # per-point gradients per batched backward
DEFAULT_CG = 50


class LevenbergMarquardt(torch.optim.Optimizer):
    """Levenberg-Marquardt over all parameters; ``step()`` runs ``max_iter`` iterations and
    counts them (accepted or not) in ``state[first param]["n_iter"]``.

    Args:
        params: the parameters.
        residuals: callable returning the residual vector r (N,) with its graph to params.
        lr: scale of the accepted step (1: the full Gauss-Newton step).
        damping: initial λ.
        cg_iters: CG iterations per step; 0 chooses dense when N·P ≤ DENSE_MAX.
    """

    def __init__(self, params: Iterable[torch.nn.Parameter],
                 residuals: Callable[[], torch.Tensor], lr: float = 1.0,
                 damping: float = 1e-3, cg_iters: int = 0, max_iter: int = 20):
        super().__init__(params, dict(lr=lr, damping=damping, cg_iters=cg_iters,
                                      max_iter=max_iter))
        self._params = [p for g in self.param_groups for p in g["params"]]
        self.residuals = residuals

    def _flat_grad(self, grads) -> torch.Tensor:
        return flat(list(grads), self._params)

    def _add(self, delta: torch.Tensor) -> None:
        write(self._params, delta, add=True)

    def _jacobian(self, r: torch.Tensor) -> torch.Tensor:
        """Dense J (N, P) in float64, rows = per-point gradients."""
        rows = []
        eye = torch.eye(len(r), dtype=r.dtype, device=r.device)
        for i in range(0, len(r), ROW_CHUNK):
            grads = torch.autograd.grad(r, self._params, eye[i:i + ROW_CHUNK],
                                        retain_graph=True, is_grads_batched=True,
                                        allow_unused=True)
            k = min(ROW_CHUNK, len(r) - i)
            rows.append(torch.cat([(torch.zeros(k, p.numel(), dtype=r.dtype, device=r.device)
                                    if g is None else g.reshape(k, -1))
                                   for g, p in zip(grads, self._params)], 1))
        return torch.cat(rows).to(torch.float64)

    def _solve_cg(self, r: torch.Tensor, g: torch.Tensor, lam: float, iters: int):
        """δ ≈ -(JᵀJ + λI)⁻¹ g by CG, and Jδ; matrix-free."""
        u = torch.zeros_like(r, requires_grad=True)
        jtu = torch.autograd.grad(r, self._params, u, create_graph=True, allow_unused=True)
        jtu = [torch.zeros_like(p) if t is None else t for t, p in zip(jtu, self._params)]

        def jvp(v: torch.Tensor) -> torch.Tensor:
            pieces, offset = [], 0
            for p in self._params:
                pieces.append(v[offset:offset + p.numel()].view_as(p).to(p.dtype))
                offset += p.numel()
            (jv,) = torch.autograd.grad(jtu, u, pieces, retain_graph=True)
            return jv.to(torch.float64)

        def jtv(w: torch.Tensor) -> torch.Tensor:
            return self._flat_grad(torch.autograd.grad(r, self._params, w.to(r.dtype),
                                                       retain_graph=True, allow_unused=True))

        x = torch.zeros_like(g)
        res = -g
        p = res.clone()
        rs = float(res @ res)
        stop = 1e-20 * float(g @ g)
        for _ in range(iters):
            Ap = jtv(jvp(p)) + lam * p
            pAp = float(p @ Ap)
            if pAp <= 0:
                break
            a = rs / pAp
            x += a * p
            res -= a * Ap
            rs_new = float(res @ res)
            if rs_new <= stop:
                break
            p = res + (rs_new / rs) * p
            rs = rs_new
        return x, jvp(x)

    def step(self, closure=None) -> torch.Tensor:  # type: ignore[override]
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        state.setdefault("n_iter", 0)
        state.setdefault("lam", torch.tensor(float(group["damping"]), dtype=torch.float64))
        state.setdefault("nu", torch.tensor(2.0, dtype=torch.float64))
        f = float("nan")
        for _ in range(group["max_iter"]):
            r = self.residuals()
            f = float((r.detach().double() ** 2).sum())
            if not torch.isfinite(r).all():
                break
            lam = float(state["lam"])
            n_params = sum(p.numel() for p in self._params)
            dense = group["cg_iters"] == 0 and r.numel() * n_params <= DENSE_MAX
            if dense:
                J = self._jacobian(r)
                rd = r.detach().double()
                g = J.T @ rd
                A = J.T @ J
                A.diagonal().add_(lam)
                L, info = torch.linalg.cholesky_ex(A)
                if info:
                    state["lam"] = state["lam"] * 10
                    state["n_iter"] += 1
                    continue
                delta = -torch.cholesky_solve(g[:, None], L)[:, 0]
                jd = J @ delta
            else:
                rd = r.detach().double()
                g = self._flat_grad(torch.autograd.grad(r, self._params, r.detach(),
                                                        retain_graph=True, allow_unused=True))
                delta, jd = self._solve_cg(r, g, lam, group["cg_iters"] or DEFAULT_CG)
            del r
            delta = delta * group["lr"]
            jd = jd * group["lr"]
            pred = f - float(((rd + jd) ** 2).sum())
            self._add(delta)
            f_new = float((self.residuals().detach().double() ** 2).sum())
            state["n_iter"] += 1
            ratio = (f - f_new) / pred if pred > 0 else -1.0
            if f_new == f_new and ratio > 1e-4:
                state["lam"] = state["lam"] * max(1 / 3, 1 - (2 * ratio - 1) ** 3)
                state["nu"] = torch.tensor(2.0, dtype=torch.float64)
                f = f_new
            else:
                self._add(-delta)
                state["lam"] = state["lam"] * state["nu"]
                state["nu"] = state["nu"] * 2
            state["lam"] = state["lam"].clamp(1e-15, 1e15)
        state["loss"] = f
        if closure is not None:  # let the caller see the losses at the final point
            with torch.enable_grad():
                closure()
        return torch.tensor(f)
