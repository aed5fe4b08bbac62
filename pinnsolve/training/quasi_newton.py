"""Dense quasi-Newton phases (BFGS, self-scaled BFGS, self-scaled Broyden) with a strong-Wolfe
line search, in float64 on a flat parameter vector.

The inverse-Hessian approximation H (P × P) is kept in full: for the compact networks that
reach the highest PINN accuracies (2–3 layers of 20–30 neurons, P ≈ 1–3 thousand; the
plan's 4×40, P ≈ 5 000: 200 MB) it costs one product with the stored matrix per iteration,
the updates being kept as rank-one terms and folded in once per ``step`` call
(:class:`Inverse`; docs/throughput.md: 1.3-1.9× faster per iteration than updating the
matrix at every iteration). The update is the
self-scaled Broyden family (Urbán, Stefanou & Pons, JCP 2025, eq. 10; Kiyani et al., CMAME
2025), with s = x_{k+1} - x_k, y = g_{k+1} - g_k, ρ = 1/(yᵀs):

    H ← (1/τ) [H - H y yᵀH / (yᵀHy) + φ (yᵀHy) v vᵀ] + ρ s sᵀ,   v = ρ s - H y / (yᵀHy).

``bfgs``: τ = φ = 1. ``ssbfgs`` (Al-Baali's scaling): φ = 1, τ = min(1, 1/b) with
b = sᵀB s · ρ = -α ρ sᵀg_k (B = H⁻¹, α the accepted step length). ``ssbroyden`` (their
"SSBroyden2"): θ, τ and φ = (1-θ)/(1+aθ) from a = b h - 1, h = yᵀHy ρ. The first update
scales H₀ = I to (yᵀs / yᵀy) I. Updates with yᵀs ≤ 0 are skipped; a failed line search resets
H to the identity (a restart, not counted as an iteration), and two failures in a row end
the step early (converged to round-off): the trainer then ends the phase.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable

import torch
from torch.optim.lbfgs import _strong_wolfe

VARIANTS = ("bfgs", "ssbfgs", "ssbroyden")


def flat(tensors: list[torch.Tensor | None], like: list[torch.Tensor]) -> torch.Tensor:
    """One float64 vector from per-parameter tensors (None, an unused parameter, is zero)."""
    return torch.cat([(t if t is not None else torch.zeros_like(p)).reshape(-1)
                      .to(torch.float64) for t, p in zip(tensors, like)])


@torch.no_grad()
def write(params: list[torch.Tensor], x: torch.Tensor, *, add: bool = False) -> None:
    """Set (or, with ``add``, increment) the parameters from a flat vector, keeping each
    parameter's dtype (``torch.nn.utils.vector_to_parameters`` would take the vector's)."""
    offset = 0
    for p in params:
        n = p.numel()
        piece = x[offset:offset + n].view_as(p).to(p.dtype)
        if add:
            p.add_(piece)
        else:
            p.copy_(piece)
        offset += n


class DenseQuasiNewton(torch.optim.Optimizer):
    """Full-matrix quasi-Newton over all parameters (one group), driven like ``torch.optim.LBFGS``:
    ``step(closure)`` runs ``max_iter`` iterations; ``state[first param]["n_iter"]`` counts them.

    Args:
        params: the parameters (any dtype; the algebra is float64).
        lr: initial trial step of the line search (1 takes the quasi-Newton step).
        variant: one of ``VARIANTS``.
        max_iter: iterations per ``step`` call.
        max_ls: function evaluations allowed per line search.
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1.0,
                 variant: str = "ssbfgs", max_iter: int = 20, max_ls: int = 25):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}")
        super().__init__(params, dict(lr=lr, variant=variant, max_iter=max_iter, max_ls=max_ls))
        if len(self.param_groups) != 1:
            raise ValueError("DenseQuasiNewton takes one parameter group")
        self._params = self.param_groups[0]["params"]

    def load_state_dict(self, state_dict: dict) -> None:
        """As torch's, which casts the saved state to the parameters' dtype; the algebra
        here is float64, so a float32 run's saved float64 matrix is restored unrounded
        (bit-identical resume). Entries of ids this optimizer has not, or not mappings
        (a crafted checkpoint), are left out."""
        saved = {k: dict(v) for k, v in state_dict["state"].items() if isinstance(v, dict)}
        super().load_state_dict(state_dict)
        by_id = dict(zip(state_dict["param_groups"][0]["params"], self._params))
        for k, old in saved.items():
            param = by_id.get(k)
            if param is None or param not in self.state:
                continue
            st = self.state[param]
            for key, value in old.items():
                if torch.is_tensor(value) and value.is_floating_point():
                    st[key] = value.to(param.device, torch.float64)

    def _x(self) -> torch.Tensor:
        return torch.cat([p.detach().reshape(-1).to(torch.float64) for p in self._params])

    def _set(self, x: torch.Tensor) -> None:
        write(self._params, x)

    def _evaluate(self, closure: Callable) -> tuple[float, torch.Tensor]:
        with torch.enable_grad():
            loss = closure()
        return float(loss), flat([p.grad for p in self._params], self._params)

    @torch.no_grad()
    def step(self, closure: Callable) -> torch.Tensor:  # type: ignore[override]
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        x = self._x()
        n = x.numel()
        if "H" not in state:
            state.update(n_iter=0, func_evals=0, fails=0, scaled=False,
                         H=torch.eye(n, dtype=torch.float64, device=x.device))
        H = Inverse(state["H"])
        f, g = self._evaluate(closure)
        state["func_evals"] += 1
        first_loss = f
        tol = 1e-12 if self._params[0].dtype == torch.float64 else 1e-8
        Hg = H.times(g)

        last_eval = {"at": x}  # where the closure last ran (the caller reads its losses)

        def obj(x0, t, d):
            last_eval["at"] = x0 + t * d
            self._set(last_eval["at"])
            return self._evaluate(closure)

        for _ in range(group["max_iter"]):
            if not math.isfinite(f) or not torch.isfinite(g).all():
                break
            if g.abs().max() == 0:
                break
            d = -Hg
            gtd = float(g @ d)
            if gtd >= 0:  # H lost positive definiteness: steepest descent from a reset H
                H.reset()
                state["scaled"] = False
                Hg = g.clone()
                d, gtd = -g, -float(g @ g)
            t = group["lr"] if state["scaled"] else min(1.0, 1.0 / float(g.abs().sum())) * group["lr"]
            try:
                f_new, g_new, t, evals = _strong_wolfe(obj, x, t, d, f, g, gtd,
                                                       tolerance_change=tol,
                                                       max_ls=group["max_ls"])
            except IndexError:
                # torch's search can index an empty bracket (lbfgs.py: bracket[low_pos]);
                # a 3-D k(T) problem crashed there after 4 minutes (stop 42): a failed search
                f_new, g_new, evals = math.nan, g, group["max_ls"]
            state["func_evals"] += evals
            if not (math.isfinite(f_new) and f_new < f):
                self._set(x)
                state["fails"] += 1
                H.reset()
                Hg = g.clone()
                state["scaled"] = False
                if state["fails"] >= 2:
                    break
                continue
            state["fails"] = 0
            state["n_iter"] += 1
            s = t * d
            Hg = self._update(H, s, g_new - g, g, g_new, Hg, t, state)
            x = x + s
            self._set(x)
            f, g = f_new, g_new
        self._set(x)
        if last_eval["at"] is not x and not torch.equal(last_eval["at"], x):
            f, g = self._evaluate(closure)
            state["func_evals"] += 1
        state["H"] = H.dense()
        state["loss"] = f
        state["start_loss"] = first_loss
        return torch.tensor(f)

    def _update(self, H: "Inverse", s, y, g, g_new, Hg, alpha, state) -> torch.Tensor:
        """Update H in the Broyden family (module docstring) from the step s, the gradient
        change y and Hg = H g; returns H_new g_new (minus the next direction).

        One product with the stored matrix per iteration: H y = H g_new - H g, and
        H_new g_new follows from H g_new and the rank-two correction."""
        Hg_new = H.times(g_new)
        ys = float(y @ s)
        if not ys > 1e-300:
            return Hg_new  # no positive curvature along s: keep H (stays positive definite)
        rho = 1.0 / ys
        Hy = Hg_new - Hg
        if not state["scaled"]:
            c = ys / float(y @ y)
            H.scale(c)
            Hy, Hg_new = Hy * c, Hg_new * c
            state["scaled"] = True
            tau, phi = 1.0, 1.0
        else:
            tau, phi = self._scaling(Hy, s, y, g, alpha, rho)
        yHy = float(y @ Hy)
        if not yHy > 0:
            H.reset()
            state["scaled"] = False
            return g_new.clone()
        v = rho * s - Hy / yHy
        # H ← (H - Hy Hyᵀ / yHy + φ yHy v vᵀ) / τ + ρ s sᵀ, applied to g_new and kept
        # as a pending correction of the stored matrix.
        out = (Hg_new - Hy * (float(Hy @ g_new) / yHy)
               + v * (phi * yHy * float(v @ g_new))) / tau + s * (rho * float(s @ g_new))
        H.correct([(Hy, -1.0 / yHy), (v, phi * yHy)], tau, (s, rho))
        return out

    def _scaling(self, Hy, s, y, g, alpha, rho) -> tuple[float, float]:
        """(τ, φ) of the variant (module docstring); Hy = H y."""
        variant = self.param_groups[0]["variant"]
        if variant == "bfgs":
            return 1.0, 1.0
        b = -alpha * rho * float(s @ g)
        if not b > 0:
            return 1.0, 1.0
        if variant == "ssbfgs":
            return min(1.0, 1.0 / b), 1.0
        h = float(y @ Hy) * rho
        a = b * h - 1.0
        ratio = abs(a) / (1.0 + a) if 1.0 + a > 0 else 0.0
        rho_minus = min(1.0, h * (1.0 - math.sqrt(ratio)))
        if abs(a) < 1e-12 or rho_minus <= 0:
            return min(1.0, 1.0 / b), 1.0  # a = 0: the Broyden family collapses to one update
        theta_minus = (rho_minus - 1.0) / a
        theta_plus = 1.0 / rho_minus
        theta = max(theta_minus, min(theta_plus, (1.0 - b) / b))
        sigma = 1.0 + theta * a
        n = len(s)
        sigma_n = abs(sigma) ** (1.0 / (1.0 - n)) if sigma != 0 and n > 1 else 1.0
        rho_k = min(1.0, 1.0 / b)
        if theta <= 0:
            tau = min(rho_k * sigma_n, sigma) if sigma > 0 else rho_k * sigma_n
        else:
            tau = rho_k * min(sigma_n, 1.0 / theta)
        phi = (1.0 - theta) / sigma if sigma != 0 else 1.0
        if not (math.isfinite(tau) and tau > 0 and math.isfinite(phi)):
            return 1.0, 1.0
        return tau, phi


class Inverse:
    """The inverse-Hessian approximation H = σ B + Σ_j c_j u_j u_jᵀ, B the stored P × P matrix.

    Each iteration's update scales H and adds rank-one terms. Applied to B one at a time it
    costs four passes over P² float64 numbers (measured at P = 5100, one thread: 40 ms, four
    times a product H v, and more than a loss evaluation of a small problem). The terms are
    kept instead, applied to vectors in O(P m), and folded into B by :meth:`dense` at the end
    of an ``optimizer.step`` call (at most ``max_iter`` updates) with one matrix product of
    inner size m = 3 per update. B stays symmetric to round-off.
    """

    def __init__(self, B: torch.Tensor):
        self.B = B
        self.sigma = 1.0
        self.vectors: list[torch.Tensor] = []
        self.coefs: list[float] = []
        self._stacked: torch.Tensor | None = None

    def _U(self) -> torch.Tensor:
        if self._stacked is None:
            self._stacked = torch.stack(self.vectors, dim=1)
        return self._stacked

    def times(self, v: torch.Tensor) -> torch.Tensor:
        """H v."""
        out = torch.mv(self.B, v)
        if self.sigma != 1.0:
            out.mul_(self.sigma)
        if self.vectors:
            U = self._U()
            c = torch.tensor(self.coefs, dtype=v.dtype, device=v.device)
            out.addmv_(U, c * torch.mv(U.T, v))
        return out

    def scale(self, c: float) -> None:
        """H ← c H."""
        self.sigma *= c
        self.coefs = [a * c for a in self.coefs]

    def correct(self, terms: list[tuple[torch.Tensor, float]], tau: float,
                last: tuple[torch.Tensor, float]) -> None:
        """H ← (H + Σ a u uᵀ) / τ + ρ s sᵀ for ``terms`` [(u, a)] and ``last`` (s, ρ)."""
        self._stacked = None
        for u, a in terms:
            if a:
                self.vectors.append(u)
                self.coefs.append(a)
        if tau != 1.0:
            self.scale(1.0 / tau)
        self.vectors.append(last[0])
        self.coefs.append(last[1])

    def reset(self) -> None:
        """H ← I."""
        self.vectors.clear()
        self.coefs.clear()
        self._stacked = None
        self.sigma = 1.0
        self.B.zero_()
        self.B.diagonal().fill_(1.0)

    def dense(self) -> torch.Tensor:
        """B ← H (the kept terms folded in); returns B."""
        if self.vectors:
            U = self._U()
            c = torch.tensor(self.coefs, dtype=U.dtype, device=U.device)
            self.B.addmm_(U * c, U.T, beta=self.sigma)
        elif self.sigma != 1.0:
            self.B.mul_(self.sigma)
        self.vectors.clear()
        self.coefs.clear()
        self._stacked = None
        self.sigma = 1.0
        return self.B
