"""The zoo (benchmarks/zoo/*.yaml) is consistent: every problem loads, compiles, and its exact
solution satisfies its own equations and conditions to round-off, checked through the
project's compiler and autodiff engine with a model that evaluates the exact solution
(lambdified by SymPy, independent of the compiler's lowering)."""
from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
import torch

import pinnsolve
from pinnsolve.compiler import compile_problem
from pinnsolve.geometry import region_geometry
from pinnsolve.sampling import STRATEGIES

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
ZOO = sorted((BENCHMARKS / "zoo").glob("*.yaml"))
HELDOUT = sorted((BENCHMARKS / "heldout").glob("*.yaml"))   # written after the plan's rules
TORCH = {n: getattr(torch, n) for n in ("sin", "cos", "tan", "exp", "log", "sqrt", "sinh",
                                         "cosh", "tanh", "atan2", "atan", "asin", "acos",
                                         "asinh", "acosh", "atanh")}
TORCH["Abs"] = torch.abs
TORCH["sech"] = lambda a: 1 / torch.cosh(a)
TORCH["erf"], TORCH["erfc"] = torch.special.erf, torch.special.erfc
# J_n(a) = (1/π) ∫₀^π cos(nτ − a sin τ) dτ by the midpoint rule, exact to round-off for
# moderate a and differentiable (torch.special.bessel_j0 has no derivative)
_TAU = (torch.arange(64, dtype=torch.float64) + 0.5) * torch.pi / 64
TORCH["besselj"] = lambda n, a: torch.cos(int(n) * _TAU - a[..., None] * torch.sin(_TAU)).mean(-1)
# I_n(a) = (1/π) ∫₀^π exp(a cos τ) cos(nτ) dτ, the same rule
TORCH["besseli"] = lambda n, a: (torch.exp(a[..., None] * torch.cos(_TAU))
                                 * torch.cos(int(n) * _TAU)).mean(-1)


def test_the_harness_bessel_functions_are_exact():
    """Against mpmath (torch.special.bessel_j0/j1 are off by up to 1e-7 in float64)."""
    import mpmath
    a = torch.linspace(0.0, 12.0, 25, dtype=torch.float64)
    for name, exact in (("besselj", mpmath.besselj), ("besseli", mpmath.besseli)):
        for n in range(3):
            want = torch.tensor([float(exact(n, float(v))) for v in a], dtype=torch.float64)
            got = TORCH[name](n, a)
            assert torch.allclose(got, want, rtol=1e-13, atol=1e-14), (name, n)


def test_the_zoo_is_big_enough():
    assert len(ZOO) >= 24 and len(HELDOUT) >= 24


_Sinc = sp.Function("sincf")    # sin(a)/a (lambdify writes SymPy's sinc as Python ifs)
TORCH["sincf"] = lambda a: torch.sinc(a / torch.pi)
_Below = sp.Function("below")   # below(g, a, b): a where g < 0, else b
TORCH["below"] = lambda g, a, b: torch.where(g < 0, a + 0 * g, b + 0 * g)


def _where(p: sp.Piecewise) -> sp.Expr:
    """Two pieces ``(a, lhs < rhs), (b, True)`` as ``below(lhs - rhs, a, b)`` (lambdify
    hands torch a Piecewise as Python ``if``s)."""
    (a, cond), (b, rest) = p.args
    assert rest == sp.true and isinstance(cond, (sp.StrictLessThan, sp.LessThan)), p
    return _Below(cond.lhs - cond.rhs, a, b)


def _columns(domain) -> list[sp.Symbol]:
    """One symbol per input column: a vector coordinate x of dim n is x__0 … x__{n-1}."""
    return [sp.Symbol(n.replace("[", "__").rstrip("]")) for n in domain.input_names]


def _scalar(domain, e: sp.Expr) -> sp.Expr:
    """``e`` with a vector coordinate's sums written out and its entries x[k] as the
    column symbols x__k (lambdify cannot take an IndexedBase of a given length)."""
    v = domain.vector
    if v is None:
        return e
    e = e.doit()
    return e.xreplace({a: sp.Symbol(f"{v.name}__{int(a.indices[0])}")
                       for a in e.atoms(sp.Indexed) if str(a.base) == v.name})


class Exact(torch.nn.Module):
    """(n, d) → (n, m): the problem's exact fields at the points (true unknowns filled in)."""

    def __init__(self, problem):
        super().__init__()
        subs = {sp.Symbol(k): v for k, v in problem.parameter_values.items()}
        subs.update({sp.Symbol(u.name): u.true_value for u in problem.unknowns})
        self.fns = []
        for name in problem.fields:
            e = problem.reference.exact[name].subs(subs)
            # Fold numeric powers and functions (sqrt(2), exp(-50)) that lambdify would hand
            # to torch as numbers.
            e = e.xreplace({n: sp.Float(n.evalf(30), 30)
                            for n in e.atoms(sp.Pow, sp.Function) if n.is_number})
            e = e.replace(lambda n: isinstance(n, sp.Piecewise), _where)
            e = e.replace(lambda n: isinstance(n, sp.sinc), lambda n: _Sinc(*n.args))
            self.fns.append(sp.lambdify(_columns(problem.domain), _scalar(problem.domain, e),
                                        modules=[TORCH, "math"]))

    def forward(self, x):
        cols = [x[:, i] for i in range(x.shape[1])]
        return torch.stack([fn(*cols) + 0 * cols[0] for fn in self.fns], 1)


class Wobbled(torch.nn.Module):
    """The exact fields times 1 + sin(·)/2 of the inputs, plus sin(·)/2 of each field's
    largest size ``sizes``: a residual of the terms' own size, also where a large field is
    zero (a carrier density of 1e16 held at 0 on a face meets that face to round-off, ~60,
    not to 1e-9)."""

    def __init__(self, exact: torch.nn.Module, sizes: torch.Tensor):
        super().__init__()
        self.exact, self.sizes = exact, sizes

    def forward(self, x):
        wave = torch.sin(1.3 * x.sum(1, keepdim=True) + 0.4)
        return self.exact(x) * (1 + 0.5 * wave) + 0.5 * wave * self.sizes


class Zero(torch.nn.Module):
    """(n, d) → (n, m) zeros, differentiable in x."""

    def __init__(self, m: int):
        super().__init__()
        self.m = m

    def forward(self, x):
        return 0 * x[:, :1].expand(-1, self.m)


@pytest.mark.parametrize("path", ZOO + HELDOUT, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_exact_solution_satisfies_the_problem(path):
    import yaml
    assert not {"model", "sampling", "training"} & set(yaml.safe_load(path.read_text())), \
        "physics only"
    import warnings
    with warnings.catch_warnings(record=True) as seen:   # well posed: every face held
        warnings.simplefilter("always")
        # as the file writes it: a stress it defines stays a definition (spec/mixed.py)
        problem = pinnsolve.load_problem(path, ["model.mixed_form=false"])
    assert not [w for w in seen if "no condition is given" in str(w.message)]
    if not problem.reference.exact:
        assert problem.reference.solver   # checked by the solvers' own tests
        return
    compiled = compile_problem(problem)
    for u in problem.unknowns:
        compiled.set_unknown(u.name, u.true_value)
    model = Exact(problem)
    largest = None   # each field's largest size over the first equation's points
    for term in compiled.terms:
        if term.kind == "data":
            x, normals = torch.as_tensor(term.data_points, dtype=torch.float64), None
        else:
            sampler = STRATEGIES["uniform"].build(
                region_geometry(problem, term.region), 100, problem.settings.sampling,
                resample_every=0, seed=1, dtype=torch.float64, device=torch.device("cpu"))
            x, normals = sampler.points(), sampler.normals()
            if largest is None and term.kind == "equation":
                largest = model(x).detach().abs().amax(0)
                assert torch.isfinite(largest).all(), "the exact solution is not finite"
        r = compiled.evaluate(model, [term], x, normals=normals)[term.name].detach()
        # Round-off of sources up to ~1e3 in float64 (the plate's is 4π⁴·…): 1e-9 absolute;
        # 1e-13 of the residual of a zero field where that is larger (poisson_micro's
        # source is 2e7); 1e-12 of the residual of a wobbled exact solution, the size of
        # the terms, where a large solution meets no source (a concentration of 1e11); the
        # wobble adds half each field's largest size, so a field held at zero on a face
        # still has its size there (a carrier density of 1e16: round-off ~60).
        sizes = [compiled.evaluate(m, [term], x, normals=normals)[term.name].detach()
                 .abs().max() for m in (Zero(len(problem.fields)),
                                         Wobbled(model, 0 if largest is None else largest))]
        tol = max(1e-9, 1e-13 * float(sizes[0]), 1e-12 * float(sizes[1]))
        assert float(r.abs().max()) < tol, (term.name, float(r.abs().max()), tol)
