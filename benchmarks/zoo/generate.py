"""Write the zoo's problem files (benchmarks/zoo/*.yaml): problems as a new user writes
them, physics only (domain, fields, parameters, equations, conditions, reference), with
exact solutions. Manufactured source terms are derived here with SymPy from the exact
solution, so that every file is consistent by construction; tests/test_zoo.py checks each
file's exact solution against its own equations and conditions with the project's compiler.

Run: .venv/bin/python benchmarks/zoo/generate.py   (rewrites the .yaml files beside it)
"""
from __future__ import annotations

from pathlib import Path

import sympy as sp
import yaml

HERE = Path(__file__).resolve().parent
x, y, z, t = sp.symbols("x y z t")
pi = sp.pi


def s(expr) -> str:
    """Compact text of an expression (parsed back by pinnsolve's whitelist parser)."""
    return sp.sstr(sp.simplify(expr) if sp.count_ops(expr) < 400 else expr)


def lap(u, *v):
    return sum(sp.diff(u, c, 2) for c in v)


PROBLEMS: dict[str, dict] = {}


def add(name: str, description: str, **body) -> None:
    PROBLEMS[name] = {"name": name, "description": description, **body}


# -- elliptic ---------------------------------------------------------------------------------
u = sp.sin(4 * pi * x) * sp.sin(4 * pi * y)
add("poisson_high_frequency", "Poisson, u = sin(4 pi x) sin(4 pi y), zero on the unit square",
    domain={"x": [0, 1], "y": [0, 1]}, fields=["u"],
    equations=[f"-laplacian(u) = {s(-lap(u, x, y))}"],
    conditions=[{"where": "boundary", "dirichlet": 0}], reference={"exact": {"u": s(u)}})

u = sp.exp(-((x - 0.5) ** 2 + (y - 0.5) ** 2) / sp.Rational(1, 50))
add("poisson_peak", "Poisson with a peaked source: u = exp(-50 |x - c|^2)",
    domain={"x": [0, 1], "y": [0, 1]}, fields=["u"],
    equations=[f"-laplacian(u) = {s(-lap(u, x, y))}"],
    conditions=[{"where": "boundary", "dirichlet": s(u)}], reference={"exact": {"u": s(u)}})

for k, (a, b) in {3: (1, 4), 10: (2, 3)}.items():
    u = sp.sin(a * pi * x) * sp.sin(b * pi * y)
    add(f"helmholtz_k{k}", f"Helmholtz, k = {k}: laplacian(u) + k^2 u = f, u = sin({a} pi x) "
        f"sin({b} pi y)", domain={"x": [0, 1], "y": [0, 1]}, fields=["u"],
        parameters={"k": k},
        equations=[f"laplacian(u) + k**2*u = {s(lap(u, x, y) + k ** 2 * u)}"],
        conditions=[{"where": "boundary", "dirichlet": 0}], reference={"exact": {"u": s(u)}})

# The harmonic r^(2/3) sin(2 theta/3) with theta measured from the edge on the +y axis; the
# angle is taken as atan2(x - y, -x - y) (rotated by 5 pi/4 so that its branch cut lies in
# the missing quadrant), which turns sin(2 theta/3) into cos(2 atan2(x - y, -x - y)/3).
LSHAPE = "(x**2 + y**2)**(1/3)*cos(2*atan2(x - y, -x - y)/3)"
add("poisson_lshape", "Laplace on the L-shape with the corner singularity r^(2/3) sin(2 theta/3),"
    " exact on the boundary",
    domain={"x": [-1, 1], "y": [-1, 1],
            "shape": {"polygon": {"points": [[-1, -1], [1, -1], [1, 0], [0, 0], [0, 1],
                                             [-1, 1]]}}},
    fields=["u"], equations=["laplacian(u) = 0"],
    conditions=[{"where": "boundary", "dirichlet": LSHAPE}], reference={"exact": {"u": LSHAPE}})

u = sp.cos(pi * x / 2) * sp.sin(pi * y / 2) + x * y
holes = [((-0.5, -0.3), 0.2), ((0.4, 0.35), 0.25), ((0.45, -0.45), 0.15)]
shape = {"difference": [{"rectangle": {"min": [-1, -1], "max": [1, 1]}, "name": "outer"}] +
         [{"disk": {"center": list(c), "radius": r}, "name": f"hole{i}"}
          for i, (c, r) in enumerate(holes)]}
conds = [{"where": {"boundary": "outer"}, "dirichlet": s(u)}]
for i, ((cx, cy), r) in enumerate(holes):
    # the domain's outward normal on a hole points into the hole: -(x - c)/r
    dn = -((x - cx) * sp.diff(u, x) + (y - cy) * sp.diff(u, y)) / r
    conds.append({"where": {"boundary": f"hole{i}"}, "neumann": s(dn)})
add("poisson_holes", "Poisson on a rectangle with three circular holes: Dirichlet outside, "
    "Neumann on the holes", domain={"x": [-1, 1], "y": [-1, 1], "shape": shape}, fields=["u"],
    equations=[f"-laplacian(u) = {s(-lap(u, x, y))}"], conditions=conds,
    reference={"exact": {"u": s(u)}})

u = sp.sin(pi * x) * sp.sin(pi * y) * sp.sin(pi * z)
add("poisson_3d", "Poisson on the unit cube", domain={"x": [0, 1], "y": [0, 1], "z": [0, 1]},
    fields=["u"], equations=[f"-laplacian(u) = {s(-lap(u, x, y, z))}"],
    conditions=[{"where": "boundary", "dirichlet": 0}], reference={"exact": {"u": s(u)}})

u = sp.sin(pi * x) * sp.sin(2 * pi * y)
kk = 1 + x ** 2 + sp.Rational(1, 2) * sp.sin(pi * y)
f = -(sp.diff(kk * sp.diff(u, x), x) + sp.diff(kk * sp.diff(u, y), y))
add("elliptic_variable_coefficient", "-div(k grad u) = f with k = 1 + x^2 + sin(pi y)/2",
    domain={"x": [0, 1], "y": [0, 1]}, fields=["u"],
    equations=[f"-div((1 + x**2 + sin(pi*y)/2)*grad(u)) = {s(f)}"],
    conditions=[{"where": "boundary", "dirichlet": 0}], reference={"exact": {"u": s(u)}})

u = sp.sin(pi * x) * sp.sin(pi * y)
add("poisson_nonlinear", "Nonlinear Poisson -laplacian(u) + u^3 = f",
    domain={"x": [0, 1], "y": [0, 1]}, fields=["u"],
    equations=[f"-laplacian(u) + u**3 = {s(-lap(u, x, y) + u ** 3)}"],
    conditions=[{"where": "boundary", "dirichlet": 0}], reference={"exact": {"u": s(u)}})

# -- parabolic ----------------------------------------------------------------------------------
a_, b_ = sp.Rational(1, 10), sp.Rational(1, 1000)
u = sp.exp(-(a_ * pi ** 2 + b_ * 64 * pi ** 2) * t) * sp.sin(pi * x) * sp.sin(8 * pi * y)
add("heat_multiscale", "2-D heat with diffusivities 0.1 and 0.001 and modes of very different "
    "frequency in x and y", domain={"x": [0, 1], "y": [0, 1], "t": [0, 1]}, fields=["u"],
    parameters={"a": 0.1, "b": 0.001},
    equations=["diff(u, t) = a*diff(u, x, 2) + b*diff(u, y, 2)"],
    conditions=[{"where": "t = 0", "dirichlet": s(u.subs(t, 0))},
                {"where": "boundary", "dirichlet": 0}], reference={"exact": {"u": s(u)}})

u = sp.exp(-t / 10) * sp.sin(pi * x) + sp.Rational(1, 2) * sp.exp(-t / 2) * sp.sin(3 * pi * x)
f = sp.diff(u, t) - sp.Rational(1, 100) * sp.diff(u, x, 2)
add("heat_long_time", "1-D heat with a source over a long time interval [0, 10]",
    domain={"x": [0, 1], "t": [0, 10]}, fields=["u"], parameters={"D": 0.01},
    equations=[f"diff(u, t) = D*diff(u, x, 2) + {s(f)}"],
    conditions=[{"where": "t = 0", "dirichlet": s(u.subs(t, 0))},
                {"where": "x = 0", "dirichlet": 0}, {"where": "x = 1", "dirichlet": 0}],
    reference={"exact": {"u": s(u)}})

u = sp.exp(-t) * sp.sin(pi * x) * sp.sin(pi * y)
kk = 1 + sp.Rational(1, 2) * sp.sin(pi * x) * sp.cos(pi * y)
f = sp.diff(u, t) - (sp.diff(kk * sp.diff(u, x), x) + sp.diff(kk * sp.diff(u, y), y))
add("heat_variable_coefficient", "2-D heat u_t = div(k grad u) + f with a smooth varying k",
    domain={"x": [0, 1], "y": [0, 1], "t": [0, 1]}, fields=["u"],
    equations=[f"diff(u, t) = div((1 + sin(pi*x)*cos(pi*y)/2)*grad(u)) + {s(f)}"],
    conditions=[{"where": "t = 0", "dirichlet": s(u.subs(t, 0))},
                {"where": "boundary", "dirichlet": 0}], reference={"exact": {"u": s(u)}})

u = sp.exp(-pi ** 2 * t / 4) * sp.cos(pi * x / 2)   # u_x(0) = 0; at x = 1: u_x + h u = g
g = sp.diff(u, x).subs(x, 1) + 2 * u.subs(x, 1)
add("heat_robin", "1-D heat with a Neumann end and a Robin end",
    domain={"x": [0, 1], "t": [0, 1]}, fields=["u"],
    equations=["diff(u, t) = diff(u, x, 2)"],
    conditions=[{"where": "t = 0", "dirichlet": s(u.subs(t, 0))},
                {"where": "x = 0", "neumann": 0},
                {"where": "x = 1", "equation": f"diff(u, x) + 2*u = {s(g)}"}],
    reference={"exact": {"u": s(u)}})

# -- hyperbolic ---------------------------------------------------------------------------------
u = sp.sin(pi * x) * sp.cos(2 * pi * t) + sp.Rational(1, 2) * sp.sin(3 * pi * x) * sp.cos(6 * pi * t)
add("wave_1d", "1-D wave equation, c = 2, two standing modes",
    domain={"x": [0, 1], "t": [0, 1]}, fields=["u"], parameters={"c": 2},
    equations=["diff(u, t, 2) = c**2*diff(u, x, 2)"],
    conditions=[{"where": "t = 0", "dirichlet": s(u.subs(t, 0))},
                {"where": "t = 0", "equation": "diff(u, t) = 0"},
                {"where": "x = 0", "dirichlet": 0}, {"where": "x = 1", "dirichlet": 0}],
    reference={"exact": {"u": s(u)}})

u = sp.sin(2 * pi * (x - t / 2))
add("advection_periodic", "Linear advection at speed 1/2, periodic in x",
    domain={"x": [0, 1], "t": [0, 2]}, fields=["u"],
    equations=["diff(u, t) + diff(u, x)/2 = 0"],
    conditions=[{"periodic": "x"}, {"where": "t = 0", "dirichlet": s(u.subs(t, 0))}],
    reference={"exact": {"u": s(u)}})

u = sp.sin(x - 30 * t)
add("convection_beta30", "Convection u_t + 30 u_x = 0 on [0, 2 pi], periodic (the classic "
    "PINN failure mode)", domain={"x": [0, "2*pi"], "t": [0, 1]}, fields=["u"],
    parameters={"beta": 30}, equations=["diff(u, t) + beta*diff(u, x) = 0"],
    conditions=[{"periodic": "x"}, {"where": "t = 0", "dirichlet": "sin(x)"}],
    reference={"exact": {"u": "sin(x - beta*t)"}})

# -- nonlinear ----------------------------------------------------------------------------------
add("burgers", "Viscous Burgers, nu = 0.01/pi (shock forming at t = 1/pi)",
    domain={"x": [-1, 1], "t": [0, 1]}, fields=["u"], parameters={"nu": "0.01/pi"},
    equations=["diff(u, t) + u*diff(u, x) = nu*diff(u, x, 2)"],
    conditions=[{"where": "t = 0", "dirichlet": "-sin(pi*x)"},
                {"where": "x = -1", "dirichlet": 0}, {"where": "x = 1", "dirichlet": 0}],
    reference={"solver": "burgers_cole_hopf"})

add("allen_cahn", "Allen-Cahn u_t = 1e-4 u_xx - 5u^3 + 5u, periodic",
    domain={"x": [-1, 1], "t": [0, 1]}, fields=["u"], parameters={"d": 0.0001},
    equations=["diff(u, t) = d*diff(u, x, 2) - 5*u**3 + 5*u"],
    conditions=[{"periodic": "x"}, {"where": "t = 0", "dirichlet": "x**2*cos(pi*x)"}],
    reference={"solver": "allen_cahn_spectral"})

c0 = 2
u = (c0 / 2) / sp.cosh(sp.sqrt(c0) / 2 * (x - c0 * t)) ** 2
add("kdv_soliton", "KdV u_t + 6 u u_x + u_xxx = 0, one soliton of speed 2",
    domain={"x": [-8, 8], "t": [0, 2]}, fields=["u"],
    equations=["diff(u, t) + 6*u*diff(u, x) + diff(u, x, 3) = 0"],
    conditions=[{"where": "t = 0", "dirichlet": s(u.subs(t, 0))},
                {"where": "x = -8", "dirichlet": s(u.subs(x, -8))},
                {"where": "x = 8", "dirichlet": s(u.subs(x, 8))},
                {"where": "x = 8", "neumann": s(sp.diff(u, x).subs(x, 8))}],
    reference={"exact": {"u": s(u)}})

u = x * sp.cos(5 * pi * t) + (x * t) ** 3
f = sp.diff(u, t, 2) - sp.diff(u, x, 2) + u ** 3
add("klein_gordon", "Nonlinear Klein-Gordon u_tt - u_xx + u^3 = f",
    domain={"x": [-1, 1], "t": [0, 1]}, fields=["u"],
    equations=[f"diff(u, t, 2) - diff(u, x, 2) + u**3 = {s(f)}"],
    conditions=[{"where": "t = 0", "dirichlet": s(u.subs(t, 0))},
                {"where": "t = 0", "equation": f"diff(u, t) = {s(sp.diff(u, t).subs(t, 0))}"},
                {"where": "x = -1", "dirichlet": s(u.subs(x, -1))},
                {"where": "x = 1", "dirichlet": s(u.subs(x, 1))}],
    reference={"exact": {"u": s(u)}})

# Fisher-KPP travelling wave (Ablowitz & Zeppetella): u = 1 / (1 + exp(x/sqrt(6) - 5t/6))^2
u = 1 / (1 + sp.exp(x / sp.sqrt(6) - 5 * t / 6)) ** 2
add("reaction_diffusion", "Fisher-KPP u_t = u_xx + u(1 - u), an exact travelling front",
    domain={"x": [-10, 20], "t": [0, 5]}, fields=["u"],
    equations=["diff(u, t) = diff(u, x, 2) + u*(1 - u)"],
    conditions=[{"where": "t = 0", "dirichlet": s(u.subs(t, 0))},
                {"where": "x = -10", "dirichlet": s(u.subs(x, -10))},
                {"where": "x = 20", "dirichlet": s(u.subs(x, 20))}],
    reference={"exact": {"u": s(u)}})

LAM = "Re/2 - sqrt(Re**2/4 + 4*pi**2)"
add("navier_stokes_kovasznay", "Steady Navier-Stokes, Kovasznay flow at Re = 20",
    domain={"x": [-0.5, 1], "y": [-0.5, 1.5]}, fields=["u", "v", "p"],
    parameters={"Re": 20, "lam": LAM},
    equations=["u*diff(u, x) + v*diff(u, y) + diff(p, x) - laplacian(u)/Re = 0",
               "u*diff(v, x) + v*diff(v, y) + diff(p, y) - laplacian(v)/Re = 0",
               "diff(u, x) + diff(v, y) = 0"],
    conditions=[{"where": "boundary", "dirichlet": {"u": "1 - exp(lam*x)*cos(2*pi*y)",
                                                   "v": "lam/(2*pi)*exp(lam*x)*sin(2*pi*y)"}},
                {"where": "x = 1", "dirichlet": {"p": "(1 - exp(2*lam))/2"}}],
    reference={"exact": {"u": "1 - exp(lam*x)*cos(2*pi*y)",
                         "v": "lam/(2*pi)*exp(lam*x)*sin(2*pi*y)", "p": "(1 - exp(2*lam*x))/2"}})

# -- fourth order ------------------------------------------------------------------------------
u = sp.sin(pi * x) ** 2 * sp.sin(pi * y) ** 2
add("plate_clamped", "Clamped plate: biharmonic u = f, u = 0 and du/dn = 0 on the unit square",
    domain={"x": [0, 1], "y": [0, 1]}, fields=["u"],
    equations=["diff(u, x, 4) + 2*diff(u, x, 2, y, 2) + diff(u, y, 4) = "
               + s(sp.diff(u, x, 4) + 2 * sp.diff(u, x, 2, y, 2) + sp.diff(u, y, 4))],
    conditions=[{"where": "boundary", "dirichlet": 0}, {"where": "boundary", "neumann": 0}],
    reference={"exact": {"u": s(u)}})

u = sp.sin(pi * x) + sp.sin(3 * pi * x) / 10
add("beam_simply_supported", "Euler-Bernoulli beam u'''' = f, u = u'' = 0 at both ends",
    domain={"x": [0, 1]}, fields=["u"],
    equations=[f"diff(u, x, 4) = {s(sp.diff(u, x, 4))}"],
    conditions=[{"where": "x = 0", "dirichlet": 0}, {"where": "x = 1", "dirichlet": 0},
                {"where": "x = 0", "equation": "diff(u, x, 2) = 0"},
                {"where": "x = 1", "equation": "diff(u, x, 2) = 0"}],
    reference={"exact": {"u": s(u)}})

# -- first-order systems -------------------------------------------------------------------------
u = sp.sin(pi * x) * sp.sin(pi * y)
add("darcy_mixed", "Mixed (first-order) Poisson: q = -grad(u), div(q) = f",
    domain={"x": [0, 1], "y": [0, 1]}, fields=["u", "qx", "qy"],
    equations=["qx + diff(u, x) = 0", "qy + diff(u, y) = 0",
               f"diff(qx, x) + diff(qy, y) = {s(-lap(u, x, y))}"],
    conditions=[{"where": "boundary", "dirichlet": {"u": 0}}],
    reference={"exact": {"u": s(u), "qx": s(-sp.diff(u, x)), "qy": s(-sp.diff(u, y))}})

uu = sp.sin(pi * x) * sp.cos(pi * t)
vv = -sp.cos(pi * x) * sp.sin(pi * t)
add("wave_first_order", "Acoustics as a first-order system u_t + v_x = 0, v_t + u_x = 0",
    domain={"x": [0, 1], "t": [0, 2]}, fields=["u", "v"],
    equations=["diff(u, t) + diff(v, x) = 0", "diff(v, t) + diff(u, x) = 0"],
    conditions=[{"where": "t = 0", "dirichlet": {"u": s(uu.subs(t, 0)), "v": 0}},
                {"where": "x = 0", "dirichlet": {"u": 0}}, {"where": "x = 1", "dirichlet": {"u": 0}}],
    reference={"exact": {"u": s(uu), "v": s(vv)}})

# -- inverse ----------------------------------------------------------------------------------
u = sp.exp(-sp.Rational(1, 20) * pi ** 2 * t) * sp.sin(pi * x) + \
    sp.exp(-sp.Rational(9, 20) * pi ** 2 * t) * sp.sin(3 * pi * x) / 4
add("inverse_heat_diffusivity", "Recover the diffusivity (0.05) of a heat problem from 300 "
    "interior observations", domain={"x": [0, 1], "t": [0, 1]}, fields=["u"],
    unknowns={"k": {"initial": 0.5, "exact": 0.05}},
    equations=["diff(u, t) = k*diff(u, x, 2)"],
    conditions=[{"where": "interior", "name": "obs", "points": 300, "equation": f"u = {s(u)}"}],
    reference={"exact": {"u": s(u)}})

u = sp.sin(pi * x) * sp.sin(pi * y) * (1 + x)
add("inverse_poisson_source", "Recover the amplitude (2.5) of a Poisson source from 200 "
    "interior observations and the boundary values", domain={"x": [0, 1], "y": [0, 1]},
    fields=["u"], unknowns={"A": {"initial": 1.0, "exact": 2.5}},
    equations=[f"-laplacian(u) = A*({s(-lap(u, x, y) / sp.Rational(5, 2))})"],
    conditions=[{"where": "boundary", "dirichlet": 0},
                {"where": "interior", "name": "obs", "points": 200,
                 "equation": f"u = {s(u)}"}],
    reference={"exact": {"u": s(u)}})


# Data far from order one: temperatures in kelvin with Robin (convective) walls.
u = 300 + 5 * sp.sin(pi * x) * sp.sin(pi * y)
add("heat_kelvin_robin", "Steady heat in kelvin, u = 300 + 5 sin(pi x) sin(pi y), Robin walls",
    domain={"x": [0, 1], "y": [0, 1]}, fields=["u"],
    equations=[f"-laplacian(u) = {s(-lap(u, x, y))}"],
    conditions=[{"where": f"{c} = {v}", "robin": {"a": 1, "b": 1, "value": s(
        (u + (1 if v == 1 else -1) * sp.diff(u, c)).subs(c, v))}}
        for c in (x, y) for v in (0, 1)],
    reference={"exact": {"u": s(u)}})


class _Dumper(yaml.SafeDumper):
    """Short lists of numbers ([0, 1], centres) in flow style, the rest in block style."""


def _list(dumper, data):
    flow = all(isinstance(v, (int, float, str)) and len(str(v)) < 12 for v in data) or \
        all(isinstance(v, list) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _list)


def main() -> None:
    for name, body in PROBLEMS.items():
        text = yaml.dump(body, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)
        (HERE / f"{name}.yaml").write_text(f"# benchmarks/zoo: {body['description']}\n"
                                           f"# Written by benchmarks/zoo/generate.py.\n" + text)
    print(f"wrote {len(PROBLEMS)} problems to {HERE}")


if __name__ == "__main__":
    main()
