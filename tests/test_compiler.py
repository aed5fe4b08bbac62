"""The compiler (pinnsolve.compiler): SymPy residuals lowered to torch, checked against oracles.

Oracles, never the code under test:
* the bundled problems' exact solutions (``reference: {exact: ...}``), lambdified to torch
  with SymPy and used as the model: every compiled residual must vanish to round-off;
  the size it is compared with comes from SymPy (each additive part of the residual,
  differentiated symbolically and evaluated with NumPy);
* hand-written closed forms (Burgers, Robin/Neumann conditions, unknown-parameter
  gradients) and NumPy re-implementations (Piecewise, Max/Min, Heaviside, sums over a
  vector coordinate written as explicit loops over i).

Everything runs in float64 with fixed seeds. Tolerances are stated next to each assert.
"""
from __future__ import annotations

import math
import operator
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import torch
from sympy.core.function import AppliedUndef

from pinnsolve.compiler import CompiledProblem, compile_problem
import pinnsolve.compiler.lower as lower_module
from pinnsolve.compiler.collect import Columns
from pinnsolve.compiler.lower import Env, lower
from pinnsolve.derivatives import Laplacian, Partial, autodiff
from pinnsolve.errors import CompileError, SpecError
from pinnsolve.spec import load_problem
from pinnsolve.spec import expressions
from pinnsolve.spec.symbols import Laplacian as LaplacianNode
from pinnsolve.spec.symbols import Normal

DTYPE = torch.float64
ROOT = Path(__file__).resolve().parents[1]
PROBLEM_FILES = sorted((ROOT / "problems").glob("*.yaml"))

# Exact solutions: the residual is a sum of parts (u_t, alpha*u_xx, ...) that cancel. Each part
# is computed to a few ulps (2.2e-16 relative) of its own size, so the residual is compared
# with the largest sum of |parts| over the points (from SymPy, floored at 1). Measured worst
# case 2.7e-15 of that (kovasznay momentum_x); asserted 1e-10. A wrong coefficient, sign,
# column or normal gives an O(1) relative residual instead.
EXACT_RTOL = 1e-10
# Perturbing the exact solution by 1e-2*sin(...) changes every residual by O(1e-2) (the
# operators here have O(1) coefficients): measured max over 32 points >= 9.8e-3 for every
# term; asserted > 1e-4, still 10 orders of magnitude above the round-off of the exact case.
PERTURBED_MIN = 1e-4
# Elementwise functions: torch and NumPy evaluate each elementary function to within an
# ulp or two, and the expressions add at most ~10 such values of size <= 10: 1e-13 absolute.
ELEMENTWISE_ATOL = 1e-13


# -- helpers --------------------------------------------------------------------------------
def input_symbols(problem) -> list[sp.Symbol]:
    d = problem.domain
    return [c.symbol for c in d.space] + ([d.time.symbol] if d.time is not None else [])


def input_bounds(problem) -> list[tuple[float, float]]:
    d = problem.domain
    ivs = list(d.space) + ([d.time] if d.time is not None else [])
    return [(iv.lo, iv.hi) for iv in ivs]


def perturbation(syms, j: int) -> sp.Expr:
    """A smooth 1e-2-sized function of every input, different for each field j."""
    arg = sum((1.1 + 0.6 * k + 0.3 * j) * s for k, s in enumerate(syms)) + 0.4 + j
    return sp.Rational(1, 100) * sp.sin(arg)


def exact_exprs(problem, perturb: bool = False) -> list[sp.Expr]:
    values = {sp.Symbol(k): v for k, v in problem.parameter_values.items()}
    syms = input_symbols(problem)
    out = []
    for j, name in enumerate(problem.fields):
        e = problem.reference.exact[name].subs(values)
        out.append(e + perturbation(syms, j) if perturb else e)
    return out


def torch_model(syms, exprs):
    """SymPy expressions of the inputs → a torch model (n, d) → (n, len(exprs))."""
    # lambdify's torch printer writes pi**2 as pow(3.14..., 2), which torch.pow rejects for
    # two plain numbers: operator.pow handles numbers and tensors alike.
    fns = [sp.lambdify(syms, e, modules=[{"pow": operator.pow}, "torch"]) for e in exprs]

    def model(x: torch.Tensor) -> torch.Tensor:
        cols = x.unbind(1)
        return torch.stack([fn(*cols) + 0 * cols[0] for fn in fns], 1)

    return model


def set_unknowns_to_exact(problem, compiled: CompiledProblem) -> None:
    with torch.no_grad():
        for u in problem.unknowns:
            assert u.true_value is not None, f"unknown {u.name} has no exact value"
            compiled.set_unknown(u.name, u.true_value)


def uniform(bounds, n: int, gen: torch.Generator) -> torch.Tensor:
    lo = torch.tensor([b[0] for b in bounds], dtype=DTYPE)
    hi = torch.tensor([b[1] for b in bounds], dtype=DTYPE)
    return lo + (hi - lo) * torch.rand(n, len(bounds), generator=gen, dtype=DTYPE)


def region_points(problem, term, n: int, gen: torch.Generator):
    """Points of a term's region (and outward normals on the whole boundary of the box)."""
    bounds = input_bounds(problem)
    d = problem.domain
    kind = term.region.kind
    if kind == "interior":
        return uniform(bounds, n, gen), None
    if kind == "face":
        col = d.column(term.region.coord)
        x = uniform(bounds, n, gen)
        x[:, col] = bounds[col][0 if term.region.side == "lo" else 1]
        return x, None
    if kind == "initial":
        x = uniform(bounds, n, gen)
        x[:, d.column(d.time.name)] = d.time.lo
        return x, None
    if kind == "boundary" and (d.shape is not None or d.mesh is not None):
        # A shaped or mesh domain: points and outward normals of the named boundary part.
        from pinnsolve.geometry import region_geometry
        from pinnsolve.sampling import RegionSampler
        seed = int(torch.randint(1 << 30, (1,), generator=gen))
        s = RegionSampler(region_geometry(problem, term.region), n, "uniform", 0, seed)
        return s.points().to(DTYPE), s.normals().to(DTYPE)
    if kind == "boundary":
        xs, ns = [], []
        for col in range(d.n_space):
            for side, sign in ((0, -1.0), (1, 1.0)):
                x = uniform(bounds, n, gen)
                x[:, col] = bounds[col][side]
                normal = torch.zeros(n, d.n_space, dtype=DTYPE)
                normal[:, col] = sign
                xs.append(x)
                ns.append(normal)
        return torch.cat(xs), torch.cat(ns)
    if kind == "data":
        return torch.as_tensor(term.data_points, dtype=DTYPE), None
    raise AssertionError(f"unexpected region kind {kind!r}")


def source_expr(problem, name: str) -> sp.Expr:
    exprs = {e.name: e.expr for e in problem.equations}
    exprs.update({c.name: c.expr for c in problem.conditions})
    return exprs[name]


def sympy_parts(problem, name: str, exprs: list[sp.Expr], x: np.ndarray,
                normals: np.ndarray | None) -> np.ndarray:
    """Each additive part of a residual with the fields replaced, evaluated by SymPy/NumPy.

    Returns shape (n_parts, n). Independent of the compiler: symbolic differentiation of
    the closed forms (Laplacian and Derivative nodes are expanded with doit()).
    """
    values = {sp.Symbol(k): v for k, v in problem.parameter_values.items()}
    values.update({sp.Symbol(u.name): u.true_value for u in problem.unknowns})
    fields = problem.field_functions
    repl = {fields[f]: e for f, e in zip(problem.fields, exprs)}
    nsyms = sp.symbols(f"n0:{problem.domain.n_space}")
    syms = input_symbols(problem)
    out = []
    for part in sp.Add.make_args(source_expr(problem, name).subs(values)):
        part = part.replace(lambda e: isinstance(e, Normal), lambda e: nsyms[int(e.args[0])])
        part = part.subs(repl).doit()
        assert not part.has(AppliedUndef, sp.Derivative, LaplacianNode), part
        fn = sp.lambdify(syms + list(nsyms), part, modules="numpy")
        nvals = list(normals.T) if normals is not None else [0.0] * len(nsyms)
        val = np.asarray(fn(*x.T, *nvals), dtype=float)
        out.append(np.broadcast_to(val, (x.shape[0],)))
    return np.stack(out)


def exact_problem_params():
    params = []
    for path in PROBLEM_FILES:
        problem = load_problem(path)
        ref = problem.reference
        if problem.domain.vector is not None:
            # Indexed sums have no lambdify oracle; test_highdim.py checks these files
            # against hand-written NumPy solutions.
            params.append(pytest.param(path, id=path.stem, marks=pytest.mark.skip(
                reason=f"{path.name}: vector coordinate, checked in test_highdim.py")))
        elif "data_fields" in problem.raw:
            # Gridded coefficients have no lambdify oracle; test_data_fields.py checks them.
            params.append(pytest.param(path, id=path.stem, marks=pytest.mark.skip(
                reason=f"{path.name}: data fields, checked in test_data_fields.py")))
        elif ref is None or not ref.exact:
            why = "no reference" if ref is None else (
                f"reference is {'a file' if ref.file else 'the solver ' + str(ref.solver)}")
            params.append(pytest.param(path, id=path.stem, marks=pytest.mark.skip(
                reason=f"{path.name}: {why}, not reference.exact")))
        else:
            params.append(pytest.param(path, id=path.stem))
    return params


def compile_mapping(mapping, overrides=()) -> CompiledProblem:
    return compile_problem(load_problem(mapping, overrides))


def zero_model(n_fields: int = 1):
    def model(x):
        return torch.zeros(x.shape[0], n_fields, dtype=x.dtype) + 0 * x[:, :1]
    return model


# -- bundled problems: exact solutions make every residual vanish ----------------------------
def test_problem_files_are_discovered():
    assert len(PROBLEM_FILES) >= 7
    assert {p.stem for p in PROBLEM_FILES} >= {"heat1d", "poisson2d", "robin2d", "kovasznay",
                                               "burgers", "heat_inverse", "advection_periodic"}


@pytest.mark.parametrize("path", exact_problem_params())
def test_exact_solution_zeroes_every_term(path, torch_gen):
    problem = load_problem(path)
    compiled = compile_problem(problem)
    set_unknowns_to_exact(problem, compiled)
    assert set(problem.reference.exact) == set(problem.fields)
    exprs = exact_exprs(problem)
    model = torch_model(input_symbols(problem), exprs)
    kinds = set()
    for term in compiled.terms:
        kinds.add(term.region.kind)
        x, normals = region_points(problem, term, 32, torch_gen)
        kwargs = {"normals": {term.name: normals}} if term.needs_normals else {}
        r = compiled.residuals(model, {term.name: x}, **kwargs)
        assert list(r) == [term.name]
        res = r[term.name]
        assert res.shape == (x.shape[0],) and res.dtype == DTYPE
        parts = sympy_parts(problem, term.name, exprs, x.numpy(),
                            None if normals is None else normals.numpy())
        scale = max(1.0, float(np.abs(parts).sum(0).max()))
        # The SymPy oracle itself confirms the closed form solves the term (same tolerance).
        assert np.abs(parts.sum(0)).max() <= EXACT_RTOL * scale, term.name
        err = res.detach().abs().max().item()
        assert err <= EXACT_RTOL * scale, f"{path.stem}/{term.name}: {err:.3e} (scale {scale:.3g})"
    assert kinds <= {"interior", "face", "initial", "boundary", "data"}


@pytest.mark.parametrize("path", exact_problem_params())
def test_perturbed_solution_gives_clearly_nonzero_residuals(path):
    problem = load_problem(path)
    compiled = compile_problem(problem)
    set_unknowns_to_exact(problem, compiled)
    model = torch_model(input_symbols(problem), exact_exprs(problem, perturb=True))
    gen = torch.Generator().manual_seed(1)
    for term in compiled.terms:
        x, normals = region_points(problem, term, 32, gen)
        kwargs = {"normals": {term.name: normals}} if term.needs_normals else {}
        res = compiled.residuals(model, {term.name: x}, **kwargs)[term.name]
        assert res.detach().abs().max().item() > PERTURBED_MIN, term.name  # see PERTURBED_MIN


def test_burgers_pde_residual_matches_hand_written_residual():
    problem = load_problem(ROOT / "problems" / "burgers.yaml")
    assert problem.reference.solver == "burgers_cole_hopf" and not problem.reference.exact
    compiled = compile_problem(problem)
    nu = 0.01 / math.pi
    assert problem.parameter_values["nu"] == pytest.approx(nu, rel=1e-15)

    def model(p):  # smooth, non-polynomial test function, not a solution
        x, t = p.unbind(1)
        return (torch.exp(-t) * torch.sin(math.pi * x) + 0.3 * x**2 * t)[:, None]

    gen = torch.Generator().manual_seed(2)
    x = uniform(input_bounds(problem), 64, gen)
    xs, ts = x[:, 0].numpy(), x[:, 1].numpy()
    e, s, c = np.exp(-ts), np.sin(np.pi * xs), np.cos(np.pi * xs)
    u = e * s + 0.3 * xs**2 * ts
    u_t = -e * s + 0.3 * xs**2
    u_x = np.pi * e * c + 0.6 * xs * ts
    u_xx = -np.pi**2 * e * s + 0.6 * ts
    want = u_t + u * u_x - nu * u_xx
    got = compiled.residuals(model, x)["pde"].detach().numpy()
    # Parts are O(10); each exact to a few ulps: 1e-12 relative to their summed size.
    scale = max(1.0, float(np.abs(u_t).max() + np.abs(u * u_x).max() + nu * np.abs(u_xx).max()))
    assert np.abs(got - want).max() <= 1e-12 * scale

    # The conditions, by hand as well: ic u + sin(pi x) at t = 0; u at x = -1 and x = 1.
    x0 = x.clone()
    x0[:, 1] = 0.0
    xa, xb = x.clone(), x.clone()
    xa[:, 0], xb[:, 0] = -1.0, 1.0
    r = compiled.residuals(model, {"ic": x0, "bc_x_min": xa, "bc_x_max": xb})
    assert set(r) == {"ic", "bc_x_min", "bc_x_max"}
    # Single evaluations of sin/exp: 1e-14 absolute on O(1) values.
    np.testing.assert_allclose(r["ic"].detach().numpy(), 2 * np.sin(np.pi * xs), rtol=0, atol=1e-14)
    for key, side in (("bc_x_min", -1.0), ("bc_x_max", 1.0)):
        want_bc = np.exp(-ts) * np.sin(np.pi * side) + 0.3 * ts
        np.testing.assert_allclose(r[key].detach().numpy(), want_bc, rtol=0, atol=1e-14)


# -- lowering: elementwise functions against NumPy ------------------------------------------
SQUARE = {"domain": {"x": [0, 1], "y": [0, 1]}, "fields": ["u"]}


def square_points(n: int = 40, seed: int = 3) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=gen, dtype=DTYPE)
    # Exact ties with every threshold used below (0.3, 0.5, x == y): float64 literals that
    # equal the parsed constants exactly.
    ties = torch.tensor([[0.3, 0.2], [0.3, 0.7], [0.5, 0.5], [0.5, 0.1], [0.2, 0.5],
                         [0.7, 0.7], [0.0, 1.0], [1.0, 0.0]], dtype=DTYPE)
    return torch.cat([x, ties])


def rhs_values(rhs: str, x: torch.Tensor) -> np.ndarray:
    """Compile ``u = rhs`` and evaluate it with u ≡ 0: the residual is -rhs."""
    compiled = compile_mapping({**SQUARE, "equations": [f"u = {rhs}"]})
    r = compiled.residuals(zero_model(), x)["pde"]
    assert r.shape == (x.shape[0],) and r.dtype == DTYPE
    return -r.detach().numpy()


ELEMENTWISE = {
    "piecewise": ("Piecewise((x**2, x < 0.3), (sin(y), x >= 0.3 and y > 0.5), (x + 0.1, True))",
                  lambda x, y: np.where(x < 0.3, x**2, np.where((x >= 0.3) & (y > 0.5),
                                                                np.sin(y), x + 0.1))),
    "piecewise_or_le": ("Piecewise((exp(x), x <= 0.3 or y >= 0.7), (-y, True))",
                        lambda x, y: np.where((x <= 0.3) | (y >= 0.7), np.exp(x), -y)),
    "max_min_constants": ("Max(x, 0.5) + Min(y, 0.25, x) + Max(x, y) + Min(0.7, x*y)",
                          lambda x, y: (np.maximum(x, 0.5) + np.minimum(np.minimum(y, 0.25), x)
                                        + np.maximum(x, y) + np.minimum(0.7, x * y))),
    # SymPy's Heaviside(0) is 1/2, as NumPy's heaviside(., 0.5).
    "heaviside": ("Heaviside(x - 0.5) + 2*Heaviside(0.5 - y)",
                  lambda x, y: np.heaviside(x - 0.5, 0.5) + 2 * np.heaviside(0.5 - y, 0.5)),
    "abs": ("Abs(y - 0.5) + 3*abs(x - y)", lambda x, y: np.abs(y - 0.5) + 3 * np.abs(x - y)),
    "sign": ("sign(x - 0.5) + 2*sign(x - y)", lambda x, y: np.sign(x - 0.5) + 2 * np.sign(x - y)),
    "atan2": ("atan2(y - 0.5, x - 0.5) + atan2(1, x + 0.1) + 2*atan2(y, 2)",
              lambda x, y: (np.arctan2(y - 0.5, x - 0.5) + np.arctan2(1, x + 0.1)
                            + 2 * np.arctan2(y, 2))),
    "powers": ("sqrt(x + 1) + (x + 1)**-1 + (y + 0.5)**3 + (x + 1)**1.5 + (x + 1)**y + 2**x"
               " + (y + 1)**(-2)",
               lambda x, y: (np.sqrt(x + 1) + 1 / (x + 1) + (y + 0.5)**3 + (x + 1)**1.5
                             + (x + 1)**y + 2**x + (y + 1)**-2.0)),
    "functions": ("exp(-x)*log(1 + y) + tanh(x) + sinh(y) + cosh(x) + tan(y) + atan(x)"
                  " + asin(y/2) + acos(x/2) + cos(pi*x*y)",
                  lambda x, y: (np.exp(-x) * np.log(1 + y) + np.tanh(x) + np.sinh(y)
                                + np.cosh(x) + np.tan(y) + np.arctan(x) + np.arcsin(y / 2)
                                + np.arccos(x / 2) + np.cos(np.pi * x * y))),
}


@pytest.mark.parametrize("case", sorted(ELEMENTWISE))
def test_elementwise_lowering_matches_numpy(case):
    rhs, oracle = ELEMENTWISE[case]
    x = square_points()
    got = rhs_values(rhs, x)
    want = oracle(*x.numpy().T)
    np.testing.assert_allclose(got, want, rtol=0, atol=ELEMENTWISE_ATOL)


def test_piecewise_with_constant_pieces_keeps_float64_precision():
    x = square_points()
    got = rhs_values("Piecewise((0.1, x > 0.5), (0.3, True))", x)
    want = np.where(x[:, 0].numpy() > 0.5, 0.1, 0.3)
    # Constants only: must be exact to float64 rounding of 0.1 and 0.3.
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)


def test_piecewise_without_true_branch_is_nan_where_no_piece_applies():
    x = square_points()
    got = rhs_values("Piecewise((x*y, x < 0.5), (y + 1, y > 0.5))", x)
    xs, ys = x.numpy().T
    want = np.where(xs < 0.5, xs * ys, np.where(ys > 0.5, ys + 1, np.nan))
    assert np.isnan(want).any() and (~np.isnan(want)).any()
    np.testing.assert_allclose(got, want, rtol=0, atol=ELEMENTWISE_ATOL)  # NaNs compared equal


# -- unknown parameters ---------------------------------------------------------------------
UNKNOWN_PROBLEM = {
    "domain": {"x": [0, 1], "t": [0, 1]},
    "fields": ["u"],
    "unknowns": {"k": 0.5, "m": {"initial": 2, "exact": 1.5}},
    "equations": [
        {"name": "heat", "equation": "diff(u, t) = k*diff(u, x, 2) + m**2*sin(x)"},
        {"name": "algebraic", "equation": "u*m = exp(k)*x + Max(k, x)"},
    ],
}


def test_unknowns_are_parameters_and_receive_gradients():
    problem = load_problem(UNKNOWN_PROBLEM)
    compiled = compile_problem(problem)
    assert set(compiled.unknowns) == {"k", "m"}
    for name, initial in (("k", 0.5), ("m", 2.0)):
        p = compiled.unknowns[name]
        assert isinstance(p, torch.nn.Parameter) and p.requires_grad
        assert p.dtype == DTYPE and p.dim() == 0 and p.item() == initial
    assert {u.name: u.true_value for u in problem.unknowns} == {"k": None, "m": 1.5}
    assert set(dict(compiled.unknowns.named_parameters())) == {"k", "m"}

    def model(p):  # u = exp(x) t: u_t = exp(x), u_xx = exp(x) t
        return (torch.exp(p[:, 0]) * p[:, 1])[:, None]

    gen = torch.Generator().manual_seed(4)
    x = uniform([(0, 1), (0, 1)], 50, gen)
    xs, ts = x.numpy().T
    with torch.no_grad():
        compiled.unknowns["k"].fill_(0.35)  # away from ties of Max(k, x) at these points
    assert np.abs(xs - 0.35).min() > 1e-3
    k, m = 0.35, 2.0
    r = compiled.residuals(model, x)
    assert set(r) == {"heat", "algebraic"}
    u = np.exp(xs) * ts
    r_heat = np.exp(xs) - k * np.exp(xs) * ts - m**2 * np.sin(xs)
    r_alg = u * m - np.exp(k) * xs - np.maximum(k, xs)
    # O(1) values from a handful of operations: 1e-13 absolute.
    np.testing.assert_allclose(r["heat"].detach().numpy(), r_heat, rtol=0, atol=1e-13)
    np.testing.assert_allclose(r["algebraic"].detach().numpy(), r_alg, rtol=0, atol=1e-13)

    loss = (r["heat"] ** 2).sum() + (r["algebraic"] ** 2).sum()
    loss.backward()
    # d/dk and d/dm of the sum of squares, by hand.
    dk = (2 * r_heat * (-np.exp(xs) * ts)).sum() + (2 * r_alg * (-np.exp(k) * xs - (k > xs))).sum()
    dm = (2 * r_heat * (-2 * m * np.sin(xs))).sum() + (2 * r_alg * u).sum()
    # Sums of 50 O(1) products: 1e-12 relative.
    assert compiled.unknowns["k"].grad.item() == pytest.approx(dk, rel=1e-12)
    assert compiled.unknowns["m"].grad.item() == pytest.approx(dm, rel=1e-12)

    # The residual follows the parameter's current value (nothing is cached at compile time).
    with torch.no_grad():
        compiled.unknowns["m"].fill_(1.5)
    r2 = compiled.residuals(model, x)["heat"].detach().numpy()
    np.testing.assert_allclose(r2, np.exp(xs) - k * np.exp(xs) * ts - 1.5**2 * np.sin(xs),
                               rtol=0, atol=1e-13)


# -- sums over a vector coordinate ----------------------------------------------------------
SUM_RHS = ("Sum((x[i+1] - x[i]**2)**2 + (1 - x[i])**2, (i, 0, dim - 2))"
           " + Sum(i*x[i]*t, (i, 0, dim - 1)) + Sum(x[i-1]*x[i] + x[0], (i, 1, dim - 1))"
           " + Sum(t, (i, 1, 2))")


def vector_problem(dim: int, rhs: str = SUM_RHS, **extra):
    return load_problem({"domain": {"x": {"dim": dim, "shape": "box", "range": [-1, 1]},
                                    "t": [0, 1]},
                         "fields": ["u"],
                         "equations": [f"diff(u, t) - laplacian(u) = {rhs}"], **extra})


def sums_by_loop(x: np.ndarray, dim: int) -> np.ndarray:
    out = np.zeros(x.shape[0])
    for n in range(x.shape[0]):
        p, t = x[n, :dim], x[n, dim]
        s = 0.0
        for i in range(dim - 1):
            s += (p[i + 1] - p[i] ** 2) ** 2 + (1 - p[i]) ** 2
        for i in range(dim):
            s += i * p[i] * t
        for i in range(1, dim):
            s += p[i - 1] * p[i] + p[0]
        s += 2 * t
        out[n] = s
    return out


@pytest.mark.parametrize("dim", [4, 7])
def test_indexed_sums_match_a_numpy_loop(dim):
    problem = vector_problem(dim)
    assert problem.domain.input_names == tuple(f"x[{k}]" for k in range(dim)) + ("t",)
    compiled = compile_problem(problem)
    (term,) = compiled.terms
    assert term.requests == {Laplacian(0, 0, dim), Partial(0, ((dim, 1),))}
    gen = torch.Generator().manual_seed(5)
    x = uniform([(-1, 1)] * dim + [(0, 1)], 20, gen)
    got = -compiled.residuals(zero_model(), x)["pde"].detach().numpy()
    # Sums of ~3*dim O(1) terms: 1e-13 absolute.
    np.testing.assert_allclose(got, sums_by_loop(x.numpy(), dim), rtol=0, atol=1e-13)


def test_indexed_sums_compile_to_slices_not_loops():
    # The program's length must not grow with the dimension: one slice per indexed operand.
    n_ops = {dim: len(compile_problem(vector_problem(dim)).terms[0].program.ops)
             for dim in (3, 12, 200)}
    assert len(set(n_ops.values())) == 1, n_ops


def test_vector_laplacian_and_time_derivative_of_a_closed_form():
    dim = 5
    compiled = compile_problem(vector_problem(dim, rhs="0"))

    def model(p):  # u = sum_k x_k^2 + t x_0^3: laplacian 2 dim + 6 t x_0, u_t = x_0^3
        return ((p[:, :dim] ** 2).sum(1) + p[:, dim] * p[:, 0] ** 3)[:, None]

    gen = torch.Generator().manual_seed(6)
    x = uniform([(-1, 1)] * dim + [(0, 1)], 20, gen)
    xn = x.numpy()
    want = xn[:, 0] ** 3 - (2 * dim + 6 * xn[:, dim] * xn[:, 0])
    got = compiled.residuals(model, x)["pde"].detach().numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)  # O(10) values, few ops


# -- constants broadcast to (n,) ------------------------------------------------------------
def test_constant_expressions_broadcast_to_points():
    problem = load_problem({**SQUARE, "unknowns": {"k": 3.0}, "equations": ["u = k"]})
    columns = Columns(problem.domain, problem.fields)
    n = 6
    x = torch.rand(n, 2, generator=torch.Generator().manual_seed(7), dtype=DTYPE)
    env = Env(x, {}, {"k": torch.tensor(3.0, dtype=DTYPE)})
    k = sp.Symbol("k")
    for expr, want in ((sp.Float(2.5), 2.5), (sp.pi / 2 + 1, math.pi / 2 + 1),
                       (sp.Integer(0), 0.0), (k, 3.0), (2 * sp.sin(k) + k**2, 2 * math.sin(3) + 9)):
        out = lower(expr, columns, {"k"}, "const")(env)
        assert out.shape == (n,) and out.dtype == DTYPE, expr
        np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-15, atol=0)  # one op

    # Inside a full problem: a sum of an unknown over a vector coordinate is dim * k.
    vec = load_problem({"domain": {"x": {"dim": 4}}, "fields": ["u"], "unknowns": {"k": 1.25},
                        "equations": ["u = Sum(k, (i, 0, dim - 1)) + Sum(2, (i, 0, 1))"]})
    r = compile_problem(vec).residuals(zero_model(), torch.zeros(n, 4, dtype=DTYPE))["pde"]
    assert r.shape == (n,) and r.dtype == DTYPE
    np.testing.assert_allclose(r.detach().numpy(), -(4 * 1.25 + 4), rtol=1e-15, atol=0)


# -- shared subexpressions ------------------------------------------------------------------
def distinct_subtrees(expr: sp.Expr) -> set:
    """Structurally distinct non-numeric subtrees, not descending into field/derivative nodes."""
    seen = set()

    def walk(e):
        if e.is_number:
            return
        seen.add(e)
        if isinstance(e, (AppliedUndef, sp.Derivative, LaplacianNode)):
            return
        for a in e.args:
            walk(a)

    walk(expr)
    return seen


def test_shared_subexpressions_are_evaluated_once(monkeypatch):
    calls = []

    def counting_sin(a):
        calls.append(1)
        return torch.sin(a)

    monkeypatch.setitem(lower_module._UNARY, sp.sin, counting_sin)
    text = "u + diff(u, x)*sin(x*y) = sin(x*y)**2 + cos(sin(x*y)) + exp(x*y)*sin(x*y) + diff(u, x)"
    problem = load_problem({**SQUARE, "equations": [text]})
    compiled = compile_problem(problem)
    program = compiled.terms[0].program
    expr = problem.equations[0].expr
    assert str(expr).count("sin(x*y)") >= 4
    # One op per distinct subtree (numbers are folded into the ops that use them).
    assert len(program.ops) == len(distinct_subtrees(expr))
    x = square_points()

    def model(p):
        return (p[:, 0] ** 2 * p[:, 1])[:, None]  # u = x^2 y, u_x = 2 x y

    r = compiled.residuals(model, x)["pde"].detach().numpy()
    assert len(calls) == 1  # sin(x*y) computed once per evaluation
    xs, ys = x.numpy().T
    s = np.sin(xs * ys)
    want = xs**2 * ys + 2 * xs * ys * s - (s**2 + np.cos(s) + np.exp(xs * ys) * s + 2 * xs * ys)
    np.testing.assert_allclose(r, want, rtol=0, atol=ELEMENTWISE_ATOL)


# -- Neumann and Robin conditions -----------------------------------------------------------
FACE_PROBLEM = {
    "domain": {"x": [0, 1], "y": [0, 2], "t": [0, 1]},
    "fields": ["u"],
    "equations": ["diff(u, t) = laplacian(u)"],
    "conditions": [
        {"where": "x = 0", "neumann": "y"},
        {"where": "x = 1", "robin": {"u": {"a": 2, "b": 3, "value": "sin(y)"}}},
        {"where": "y = 0", "neumann": 0},
        {"where": "y = 2", "name": "top", "robin": {"u": {"a": 0.5, "b": -1, "value": 1}}},
    ],
}
BOUNDARY_PROBLEM = {
    **FACE_PROBLEM,
    "conditions": [
        {"where": "boundary", "name": "flux", "neumann": "x*y"},
        {"where": "boundary", "name": "mix", "robin": {"u": {"a": 1.5, "b": 2, "value": "x + t"}}},
    ],
}
NORMAL_BUG = (
    "BUG (compiler/lower.py _Lowerer._lower): Normal(k) has no free symbols, so SymPy reports "
    "is_number=True and the constant branch runs first: complex(sp.N(Normal(0))) raises "
    "TypeError 'Cannot convert expression to float'. Every Neumann/Robin condition on the "
    "whole boundary of a box (where: boundary) fails in compile_problem with a bare TypeError; "
    "expected: it compiles, needs_normals is True and the residual is a*u + b*n.grad(u) - g")


def flux_model(p):
    x, y, t = p.unbind(1)
    return ((x**2 * y + y**3 + torch.sin(x)) * (1 + t))[:, None]


def flux_closed_form(p: np.ndarray):
    x, y, t = p.T
    u = (x**2 * y + y**3 + np.sin(x)) * (1 + t)
    u_x = (2 * x * y + np.cos(x)) * (1 + t)
    u_y = (x**2 + 3 * y**2) * (1 + t)
    return u, u_x, u_y


def test_neumann_and_robin_on_faces():
    compiled = compile_mapping(FACE_PROBLEM)
    names = {t.name: t for t in compiled.terms}
    assert {"bc_x_min", "bc_x_max", "bc_y_min", "top"} <= set(names)
    gen = torch.Generator().manual_seed(8)
    points = {}
    for name, col, value in (("bc_x_min", 0, 0.0), ("bc_x_max", 0, 1.0), ("bc_y_min", 1, 0.0),
                             ("top", 1, 2.0)):
        assert names[name].region.kind == "face" and not names[name].needs_normals
        p = uniform([(0, 1), (0, 2), (0, 1)], 30, gen)
        p[:, col] = value
        points[name] = p
    r = compiled.residuals(flux_model, points)
    want = {}
    for name, p in points.items():
        u, u_x, u_y = flux_closed_form(p.numpy())
        y = p[:, 1].numpy()
        want[name] = {"bc_x_min": -u_x - y,                      # outward normal -x
                      "bc_x_max": 2 * u + 3 * u_x - np.sin(y),   # outward normal +x
                      "bc_y_min": -u_y,                          # outward normal -y
                      "top": 0.5 * u - u_y - 1}[name]            # outward normal +y, b = -1
    for name in points:
        # Values up to ~50 from a few ops: 1e-12 absolute.
        np.testing.assert_allclose(r[name].detach().numpy(), want[name], rtol=0, atol=1e-12)


def test_neumann_and_robin_on_the_whole_boundary_use_the_given_normals():
    compiled = compile_mapping(BOUNDARY_PROBLEM)
    flux, mix = compiled.term("flux"), compiled.term("mix")
    assert flux.region.kind == mix.region.kind == "boundary"
    assert flux.needs_normals and mix.needs_normals
    gen = torch.Generator().manual_seed(9)
    p = uniform([(0, 1), (0, 2), (0, 1)], 40, gen)
    # The residual is linear in the normal, so arbitrary unit vectors test the formula
    # n . grad(u) (spatial components only: normals have n_space = 2 columns, not 3).
    angle = 2 * math.pi * torch.rand(40, generator=gen, dtype=DTYPE)
    normals = torch.stack([torch.cos(angle), torch.sin(angle)], 1)
    r = compiled.residuals(flux_model, {"flux": p, "mix": p},
                           normals={"flux": normals, "mix": normals})
    u, u_x, u_y = flux_closed_form(p.numpy())
    n = normals.numpy()
    dn = n[:, 0] * u_x + n[:, 1] * u_y
    x, y, t = p.numpy().T
    np.testing.assert_allclose(r["flux"].detach().numpy(), dn - x * y, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r["mix"].detach().numpy(), 1.5 * u + 2 * dn - (x + t),
                               rtol=0, atol=1e-12)

    # Region key "boundary" evaluates both with the same normals.
    r2 = compiled.residuals(flux_model, {"boundary": p}, normals={"boundary": normals})
    assert set(r2) == {"flux", "mix"}
    for k in r2:
        assert torch.equal(r2[k], r[k])

    with pytest.raises(CompileError, match="normals") as info:
        compiled.residuals(flux_model, {"flux": p})
    assert "flux" in str(info.value)


def test_normal_components_in_flux_data_on_a_curved_boundary():
    """n_x, n_y in neumann and robin data and in an equation's right side, grouped or not
    or raised to a power, on a disk: the exact u = x² − y² satisfies all four, and the
    plan's size reading (which evaluates the data) runs."""
    from pinnsolve.geometry import region_geometry
    from pinnsolve.models import build_model
    from pinnsolve.sampling import STRATEGIES
    p = load_problem({"domain": {"x": [-1, 1], "y": [-1, 1],
                                 "shape": {"disk": {"center": [0, 0], "radius": 1}}},
                      "fields": ["u"], "equations": ["laplacian(u) = 0"],
                      "conditions": [
                          {"where": "boundary", "name": "flux",
                           "neumann": "2*(x*n_x - y*n_y)"},
                          {"where": "boundary", "name": "mix",
                           "robin": {"a": 1, "b": 1, "value": "x**2 - y**2 + 2*x*n_x - 2*y*n_y"}},
                          {"where": "boundary", "name": "eq",
                           "equation": "dn(u) + u = x**2 - y**2 + x*(2*n_x) - 2*y*n_y"},
                          # a power of a normal component (a crash before stop 53)
                          {"where": "boundary", "name": "powers",
                           "equation": "dn(u)*(n_x**2 + n_y**2) + u = "
                                       "x**2 - y**2 + 2*x*n_x - 2*y*n_y"}]})
    build_model(p)
    compiled = compile_problem(p)

    def exact(x):
        return (x[:, :1] ** 2 - x[:, 1:2] ** 2)

    sampler = STRATEGIES["uniform"].build(
        region_geometry(p, p.conditions[0].region), 200, p.settings.sampling,
        resample_every=0, seed=1, dtype=torch.float64, device=torch.device("cpu"))
    x = sampler.points().requires_grad_(True)
    r = compiled.evaluate(exact, compiled.terms[1:], x, normals=sampler.normals())
    for name in ("flux", "mix", "eq", "powers"):
        assert float(r[name].abs().max()) < 1e-12, name
    with pytest.raises(SpecError, match="not in dirichlet values"):
        load_problem({"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["u = 0"],
                      "conditions": [{"where": "boundary", "dirichlet": "n_x"}]})


def test_neumann_needs_a_face_or_a_box_boundary():
    with pytest.raises(SpecError, match="face or the boundary of a box") as info:
        load_problem({"domain": {"x": {"dim": 3}}, "fields": ["u"], "equations": ["u = 0"],
                      "conditions": [{"where": "boundary", "neumann": 0}]})
    assert info.value.key == "conditions.0.neumann.u"
    with pytest.raises(SpecError, match="dn") as info:
        load_problem({**SQUARE, "equations": ["dn(u) = 0"]})
    assert info.value.key == "equations.0"


# -- data conditions from .npz files --------------------------------------------------------
def write_data_problem(tmp_path: Path, arrays: dict, extra_conditions: str = "") -> Path:
    np.savez(tmp_path / "obs.npz", **arrays)
    text = ("domain: {x: [0, 1], t: [0, 1]}\n"
            "fields: [u, v]\n"
            "equations:\n  - diff(u, t) = diff(v, x)\n  - diff(v, t) = diff(u, x)\n"
            "conditions:\n  - {data: obs.npz}\n" + extra_conditions)
    path = tmp_path / "problem.yaml"
    path.write_text(text)
    return path


def test_data_in_the_wrong_units_or_a_misspelt_array_is_refused(tmp_path):
    """Observations outside a coordinate's range (t in hours against a domain in days)
    and an array that names nothing (a misspelt field, dropped before) are located
    errors; points within a millionth of a range of its edge are on it."""
    xs, ts, us = np.array([0.2, 0.5, 1.0]), np.array([0.1, 0.5, 1.0 + 1e-9]), np.zeros(3)
    load_problem(write_data_problem(tmp_path, {"x": xs, "t": ts, "u": us}))
    with pytest.raises(SpecError, match=r"3 of 3 observations lie outside t ∈ \[0, 1\] "
                                        r"\(the data's t spans \[2.4, 24\]\); check the units"
                       ) as info:
        load_problem(write_data_problem(tmp_path, {"x": xs, "t": 24 * ts, "u": us}))
    assert info.value.key == "conditions.0.data"
    with pytest.raises(SpecError, match=r"obs.npz: array\(s\) 'V' name no coordinate or "
                                        r"field; expected x, t, u, v"):
        load_problem(write_data_problem(tmp_path, {"x": xs, "t": ts, "u": us, "V": us}))
    inline = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = 0"],
              "conditions": [{"where": "boundary", "dirichlet": 0},
                             {"data": {"x": [0.5, 3.0], "u": [0.0, 0.0]}}]}
    with pytest.raises(SpecError, match=r"1 of 2 observations lie outside x") as info:
        load_problem(inline)
    assert info.value.key == "conditions.1.data"


def test_data_in_a_hole_or_outside_a_mesh_is_refused(tmp_path):
    """Inside the box but outside the domain's shape or mesh: refused by check and solve
    (the geometry is built there), naming the first such point."""
    from pinnsolve.geometry.checks import check_files
    holed = {"difference": [{"rectangle": {"min": [0, 0], "max": [1, 1]}},
                            {"disk": {"center": [0.5, 0.5], "radius": 0.2}}]}
    raw = {"domain": {"x": [0, 1], "y": [0, 1], "shape": holed}, "fields": ["u"],
           "equations": ["laplacian(u) = 0"],
           "conditions": [{"where": "boundary", "dirichlet": 0},
                          {"data": {"x": [0.1, 0.5, 0.7], "y": [0.1, 0.55, 0.5],
                                    "u": [0.0, 0.0, 0.0]}}]}
    with pytest.raises(SpecError, match=r"1 of 3 observations of 'data' lie outside the "
                                        r"shape, the first at \[0.5, 0.55\]"):
        check_files(load_problem(raw))
    raw["conditions"][1]["data"]["y"][1] = 0.3 - 1e-9    # on the hole's edge: accepted
    check_files(load_problem(raw))
    mesh = Path(__file__).resolve().parents[1] / "problems" / "meshes" / "l_shape.vtu"
    lshape = {"domain": {"x": [-1, 1], "y": [-1, 1], "mesh": str(mesh)}, "fields": ["u"],
              "equations": ["laplacian(u) = 0"],
              "conditions": [{"where": "boundary", "dirichlet": 0},
                             {"data": {"x": [-0.5, 0.5, 0.5], "y": [-0.5, -0.5, 0.5],
                                       "u": [0.0, 0.0, 0.0]}}]}
    problem = load_problem(lshape)
    from pinnsolve.geometry.mesh import mesh_of
    from pinnsolve.geometry.mesh import in_mesh_many
    inside = in_mesh_many(mesh_of(problem).points, mesh_of(problem).simplices,
                           np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5]]))
    with pytest.raises(SpecError, match=f"{int((~inside).sum())} of 3 observations of "
                                        f"'data' lie in no cell of the mesh"):
        check_files(problem)
    assert not inside.all() and inside[0]


def test_data_condition_from_npz(tmp_path):
    rng = np.random.default_rng(10)
    n = 9
    xs, ts = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    us, vs = rng.normal(size=n), rng.normal(size=n)
    # Arrays stored out of input order: columns must still come out as (x, t).
    path = write_data_problem(tmp_path, {"t": ts, "v": vs, "x": xs, "u": us})
    problem = load_problem(path)
    compiled = compile_problem(problem)
    data = {t.name: t for t in compiled.terms if t.kind == "data"}
    assert set(data) == {"data_u", "data_v"}
    for name, fname, values in (("data_u", "u", us), ("data_v", "v", vs)):
        term = data[name]
        assert term.region.kind == "data" and term.region.key == "data" and term.field == fname
        np.testing.assert_array_equal(term.data_points, np.stack([xs, ts], 1))
        np.testing.assert_array_equal(term.data_values, values)

    def model(p):
        x, t = p.unbind(1)
        return torch.stack([x + 2 * t, torch.sin(x * t)], 1)

    pts = torch.as_tensor(data["data_u"].data_points, dtype=DTYPE)
    r = compiled.residuals(model, {"data": pts})
    assert set(r) == {"data_u", "data_v"}
    # Residual = model value - observation: exact up to one rounding of O(1) values.
    np.testing.assert_allclose(r["data_u"].detach().numpy(), xs + 2 * ts - us, rtol=0, atol=1e-15)
    np.testing.assert_allclose(r["data_v"].detach().numpy(), np.sin(xs * ts) - vs,
                               rtol=0, atol=1e-15)
    r_one = compiled.residuals(model, {"data_v": pts})
    assert list(r_one) == ["data_v"]


def test_data_condition_errors_name_the_key(tmp_path):
    path = write_data_problem(tmp_path, {"t": np.zeros(3), "u": np.zeros(3)})
    with pytest.raises(SpecError, match="lacks arrays for coordinates") as info:
        load_problem(path)
    assert info.value.key == "conditions.0.data" and info.value.file == str(path)
    path = write_data_problem(tmp_path, {"x": np.zeros(3), "t": np.zeros(3), "w": np.zeros(3)})
    with pytest.raises(SpecError, match="no array named after a field"):
        load_problem(path)
    path = write_data_problem(tmp_path, {"x": np.zeros(3), "t": np.zeros(2), "u": np.zeros(3)})
    with pytest.raises(SpecError, match="1-D with 3 entries"):
        load_problem(path)


def test_data_terms_use_their_own_points_when_no_tensor_is_given(tmp_path):
    rng = np.random.default_rng(11)
    xs, ts, us = rng.uniform(0, 1, 5), rng.uniform(0, 1, 5), rng.normal(size=5)
    path = write_data_problem(tmp_path, {"x": xs, "t": ts, "u": us})
    compiled = compile_problem(load_problem(path))

    def model(p):
        return torch.stack([p[:, 0] * 3, p[:, 1]], 1)

    r = compiled.residuals(model, {"data": None})
    np.testing.assert_allclose(r["data"].detach().numpy(), 3 * xs - us, rtol=0, atol=1e-15)


# -- errors for unsupported constructs ------------------------------------------------------
@pytest.mark.parametrize("equation, fragment", [
    ("u = floor(x)", "unknown function 'floor'"),
    ("u = x.real", "attribute access"),
    ("u = (lambda: 1)()", "only plain function names"),
    ("u = 'abc'", "strings are not allowed"),
    ("u = x ^ 2", "'^' is not a power"),
    ("u = Piecewise((1, x != 0), (0, True))", "only <, >, <=, >="),
    ("u = Piecewise((1, x == 0), (0, True))", "write a single '='"),
    ("u = z", "unknown name 'z'"),
    ("diff(u, x, 9) = 0", "derivative order must be an integer from 1 to 8"),
    ("diff(u, x, 5, y, 4) = 0", "total derivative order above 8"),
    ("u = Sum(x, (i, 0, 2))", "needs a vector coordinate"),
    ("u = u(0, y)", "its own coordinates"),
    ("u = x < 1", "comparisons are only allowed"),
    ("u = 1 = 2", "more than one '='"),
])
def test_unsupported_constructs_raise_spec_errors_with_file_and_key(equation, fragment):
    with pytest.raises(SpecError) as info:
        load_problem({**SQUARE, "equations": ["diff(u, x) = 0", equation]})
    err = info.value
    assert fragment in str(err)
    assert err.file == "<mapping>" and err.key == "equations.1"
    assert str(err).startswith("<mapping>, key 'equations.1': ")


def test_error_quotes_the_offending_token_exactly():
    with pytest.raises(SpecError) as info:
        load_problem({**SQUARE, "equations": ["u = floor(x)"]})
    assert "(at 'floor(x)')" in str(info.value)


@pytest.mark.parametrize("equation, fragment", [
    ("u = sqrt(-1)", "is not real"),
    ("u = x + log(-2)", "is not real"),
])
def test_non_real_constants_raise_compile_errors(equation, fragment):
    problem = load_problem({**SQUARE, "equations": [equation]})
    with pytest.raises(CompileError, match=fragment) as info:
        compile_problem(problem)
    assert info.value.equation == "pde"


def test_sum_reaching_outside_the_vector_is_refused_at_load():
    # The parser checks index ranges against the Sum limits, so the file is refused before
    # compilation (the compiler keeps its own check for Python-built expressions).
    with pytest.raises(SpecError, match=r"reaches outside components 0\.\.2"):
        load_problem({"domain": {"x": {"dim": 3}}, "fields": ["u"],
                      "equations": ["u = Sum(x[i + 1], (i, 0, dim - 1))"]})


def test_unknown_engine_raises_compile_error():
    problem = load_problem({**SQUARE, "equations": ["u = x"]})
    with pytest.raises(CompileError,
                       match="unknown derivative engine 'fd'; expected one of autodiff"):
        compile_problem(problem, "fd")


# -- CompiledProblem.residuals: keys and grouping -------------------------------------------
def heat1d():
    problem = load_problem(ROOT / "problems" / "heat1d.yaml")
    return problem, compile_problem(problem)


def test_residuals_by_term_name_and_by_region_key():
    problem, compiled = heat1d()
    model = torch_model(input_symbols(problem), exact_exprs(problem, perturb=True))
    gen = torch.Generator().manual_seed(12)
    pts = {t.name: region_points(problem, t, 16, gen)[0] for t in compiled.terms}
    by_name = compiled.residuals(model, pts)
    assert list(compiled.term_names) == ["pde", "ic", "bc_x_min", "bc_x_max"]
    assert set(by_name) == set(compiled.term_names)
    by_region = compiled.residuals(model, {"interior": pts["pde"], "initial": pts["ic"],
                                           "x_min": pts["bc_x_min"], "bc_x_max": pts["bc_x_max"]})
    assert set(by_region) == set(compiled.term_names)
    for name in compiled.term_names:
        assert torch.equal(by_region[name], by_name[name])  # same computation, bit-identical
        single = compiled.residuals(model, {name: pts[name]})
        assert list(single) == [name] and torch.equal(single[name], by_name[name])
    # A bare tensor means the interior.
    bare = compiled.residuals(model, pts["pde"])
    assert list(bare) == ["pde"] and torch.equal(bare["pde"], by_name["pde"])


def test_region_key_with_several_terms_and_one_engine_call_per_key():
    problem = load_problem(ROOT / "problems" / "kovasznay.yaml")
    calls = []

    def engine(model, x, requests, *, generator=None):
        calls.append(frozenset(requests))
        return autodiff(model, x, requests)

    compiled = compile_problem(problem, engine)
    model = torch_model(input_symbols(problem), exact_exprs(problem))
    gen = torch.Generator().manual_seed(13)
    x = uniform(input_bounds(problem), 16, gen)
    r = compiled.residuals(model, {"interior": x})
    assert set(r) == {"momentum_x", "momentum_y", "continuity"}
    equations = [t for t in compiled.terms if t.kind == "equation"]
    assert calls == [frozenset().union(*(t.requests for t in equations))]

    calls.clear()
    r = compiled.residuals(model, {"boundary": x, "bc_x_max": x})
    assert set(r) == {"bc_u", "bc_v", "bc_x_max"} and len(calls) == 2
    assert set(compiled.residuals(model, {"bc_v": x})) == {"bc_v"}


def test_unknown_key_is_a_compile_error_listing_the_terms():
    problem, compiled = heat1d()
    model = torch_model(input_symbols(problem), exact_exprs(problem))
    x = torch.zeros(3, 2, dtype=DTYPE)
    with pytest.raises(CompileError) as info:
        compiled.residuals(model, {"pde": x, "y_min": x})
    msg = str(info.value)
    assert "no term or region named 'y_min'" in msg
    assert "terms: pde, ic, bc_x_min, bc_x_max" in msg


# -- every whitelisted function lowers to torch, and so does its SymPy derivative --------------
@pytest.mark.parametrize("name", sorted(expressions._UNARY))
def test_unary_function_lowers_with_its_derivative(name):
    problem = load_problem({**SQUARE, "equations": ["u = 0"]})
    columns = Columns(problem.domain, problem.fields)
    x = problem.domain.coordinate_symbols[0]
    # A range where every function and its derivative are defined and smooth (acosh: > 1,
    # atanh: inside (-1, 1), sign / Heaviside / Abs: away from 0); the derivative of each
    # smooth one too.
    arg = 1.2 + 0.5 * x if name == "acosh" else 0.3 + 0.4 * x
    pts = torch.linspace(0.05, 0.95, 7, dtype=DTYPE)
    env = Env(torch.stack([pts, pts], 1), {}, {})
    f = expressions._UNARY[name](arg)
    smooth = name not in ("Abs", "abs", "sign", "Heaviside")   # SymPy keeps their derivatives
    for expr in (f, sp.diff(f, x)) if smooth else (f,):
        got = lower(expr, columns, set(), "f")(env).detach().numpy()
        want = np.array([float(expr.subs(x, float(p)).evalf(30)) for p in pts])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=str(expr))


def test_a_tiny_coefficient_sympy_pulls_out_of_an_exponential_is_folded_back():
    # With eps = 0.001 substituted, SymPy writes exp((x - 1)/eps) as 5.1e-435·exp(1000.0 x):
    # float64 would compute 0·inf = NaN near x = 1. The compiler folds the number back.
    import numpy as np

    from pinnsolve.io.fields import reference_values
    raw = {"domain": {"x": [0, 1]}, "fields": ["u"], "parameters": {"eps": 0.001},
           "equations": ["diff(u, x, 2) = exp((x - 1)/eps)"],
           "conditions": [{"where": "boundary", "dirichlet": 0}],
           "reference": {"exact": {"u": "eps**2*exp((x - 1)/eps)"}}}
    problem = load_problem(raw)
    compiled = compile_problem(problem)
    x = torch.linspace(0, 1, 11, dtype=torch.float64)[:, None]
    terms = [t for t in compiled.terms if t.kind == "equation"]
    got = compiled.evaluate(lambda z: 0 * z, terms, x)["pde"]
    want = -np.exp((x[:, 0].numpy() - 1) / 0.001)
    assert np.allclose(got.numpy(), want, rtol=1e-12, atol=0)
    ref = reference_values(problem, x.numpy())["u"]
    assert np.allclose(ref, 1e-6 * np.exp((x[:, 0].numpy() - 1) / 0.001), rtol=1e-12, atol=0)


def test_a_huge_exponential_factor_is_folded_into_the_other_exponential():
    # exp(1000) alone overflows float64; next to exp(-1000 x) it is exp(1000 (1 - x)).
    import numpy as np

    raw = {"domain": {"x": [0, 1]}, "fields": ["u"],
           "equations": ["diff(u, x, 2) = exp(1000)*exp(-1000*x)"],
           "conditions": [{"where": "boundary", "dirichlet": 0}]}
    compiled = compile_problem(load_problem(raw))
    x = torch.linspace(0.5, 1, 11, dtype=torch.float64)[:, None]
    terms = [t for t in compiled.terms if t.kind == "equation"]
    got = compiled.evaluate(lambda z: 0 * z, terms, x)["pde"]
    want = -np.exp(1000 * (1 - x[:, 0].numpy()))
    assert np.all(np.isfinite(got.numpy()))
    assert np.allclose(got.numpy(), want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("value", ["exp(1000)", "exp(exp(exp(1000)))", "x + exp(exp(800))"])
def test_a_constant_beyond_double_precision_is_refused_by_name(value):
    raw = {"domain": {"x": [0, 1]}, "fields": ["u"],
           "equations": [f"diff(u, x, 2) = {value}"],
           "conditions": [{"where": "boundary", "dirichlet": 0}]}
    with pytest.raises(CompileError, match="not a finite number in double precision"):
        compile_problem(load_problem(raw))
