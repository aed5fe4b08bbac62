"""Hard constraints: Dirichlet and initial conditions imposed exactly by the model.

For a field u with Dirichlet data g on a set S of box faces (or the whole boundary, or the
sphere of a ball) and, for time-dependent problems, an initial value u0:

    u(x, t) = A(x, t) + [u0(x) − A(x, t0)] + D(x) · τ(t) · N(x, t)

where A extends g inside the domain, D vanishes exactly on S (a product of normalised face
distances, or 1 − |x|²/R² on a ball) and τ = (t − t0)/(T − t0). Without an initial
condition the bracket and τ are dropped; without Dirichlet faces A = 0 and D = 1. The
bracket vanishes on S when u0 is compatible with g at t0, which is checked numerically.

A is built from the Dirichlet expressions: when every constrained face carries the same
expression g(x, t) it is used as is (its own extension); when the faces of one coordinate
c carry different data, A interpolates linearly between them in c; faces of several
coordinates with different data are blended (models/blend.py: A = Σ g_i Π_{j≠i} φ_j /
Σ_k Π_{j≠k} φ_j), and so are different data on disjoint named parts of a CSG shape.

A clamped face (``u = g`` and ``dn(u) = 0`` there, with ∂g/∂n = 0 on it) enters D twice:
D² N has a zero normal derivative on the face, so the Neumann condition holds exactly too.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from itertools import combinations, product
from typing import Callable

import sympy as sp
import torch
from torch import nn

from ..compiler.collect import Columns
from ..compiler.lower import Env, lower
from ..errors import SpecError
from ..geometry import region_geometry, solid_of
from ..spec.corners import corner_plan
from ..spec.dirichlet import box_faces, dirichlet_value
from ..spec.expressions import value_at
from ..spec.problem import Problem, Region
from ..spec.holes import hole_plan
from ..spec.layers import Stagnation
from .blend import blend
from .tabulated import StaticCache


@dataclass(frozen=True)
class FieldConstraint:
    """Exact-constraint recipe for one output column."""

    column: int
    lift: Callable[[torch.Tensor], torch.Tensor] | None       # A(x, t) + u0(x) − A(x, t0)
    # ("lo"|"hi"|"ball"|"time", col, a, b), or ("layer", col, t0, δ): an initial layer
    # (spec/initial_layer.py, never beside "ball": no layer is read on a vector domain)
    factors: tuple[tuple[str, int, float, float], ...]
    distance: Callable[[torch.Tensor], torch.Tensor] | None = None   # shaped domains: D(x)
    costly_lift: bool = False    # a blend of several data (tabulated, see HardConstrained)
    series_lift: bool = False    # a lift with Bessel functions, summed as series (tabulated)
    gain: float = 1.0            # multiplies the factor (planned: models/scale.py, distance_gain)
    # boundary layers (spec/layers.py): (index in factors of the outflow face, network
    # output column of the layer term, width δ normalised like the face factor)
    layers: tuple[tuple[int, int, float], ...] = ()


def plan_constraints(problem: Problem) -> tuple[list[FieldConstraint], set[str], list[str]]:
    """Decide which conditions the model imposes exactly.

    Returns:
        (constraints per constrained field, names of the terms now satisfied exactly,
        notes on conditions left to the loss and why).
    """
    domain = problem.domain
    columns = Columns(domain, problem.fields)
    out: list[FieldConstraint] = []
    imposed: set[str] = set()
    notes: list[str] = []
    if domain.shape is not None or domain.mesh is not None:
        return _plan_shaped(problem, columns)
    for col, field in enumerate(problem.fields):
        faces = box_faces(problem, field)
        initial: tuple[sp.Expr, str] | None = None
        ball: tuple[sp.Expr, str] | None = None
        for c in problem.conditions:
            g = dirichlet_value(c, field)
            if g is None:
                continue
            r = c.region
            if r.kind == "initial":
                initial = (g, c.name)
            elif r.kind == "boundary" and domain.vector is not None and domain.vector.shape == "ball":
                ball = (g, c.name)
        exprs = {g for g, _ in faces.values()}
        lift_expr = next(iter(exprs)) if len(exprs) == 1 else None
        blended = None
        if len(exprs) > 1:
            # Different data on different faces: where they agree at every junction (faces
            # of one coordinate never meet), the smooth transfinite lift; else blend them
            # (models/blend.py).
            junctions = _corner_notes(field, faces, domain, problem)
            if junctions:
                blended = _face_blend(faces, domain, columns, problem)
                notes += junctions
            else:
                lift_expr = _transfinite(faces, domain)
        if ball is not None:
            lift_expr = ball[0]
        if not faces and ball is None and initial is None:
            continue
        lift_expr = lift_expr if lift_expr is not None else sp.Integer(0)
        factors = [_face_factor(face, domain) for face in sorted(faces)]
        if ball is not None:
            factors.append(("ball", 0, 0.0, domain.vector.radius))
        total = lift_expr
        names = {name for _, name in faces.values()} | ({ball[1]} if ball else set())
        if initial is not None:
            t = domain.time
            at_t0 = lift_expr.subs(t.symbol, t.lo)
            bracket = initial[0].subs(t.symbol, t.lo) - at_t0
            if blended is not None:
                bracket = initial[0].subs(t.symbol, t.lo)
                # Faces whose data disagree at a junction: compared over the faces' times,
                # not at t0 alone. Through this blend (not smooth where faces meet),
                # heat2d_flux_face went from 1.5e-4 (faces in the loss) to 9.7e-2 at 2
                # minutes (stop 35); its data agree, so it now gets the transfinite lift.
                ok = all(_compatible(bracket - g, {k: (g, n)}, domain, problem)
                         for k, (g, n) in faces.items())
            else:
                ok = _compatible(bracket, faces, domain, problem)
            if faces and not ok:
                notes.append(f"{field}: initial value and boundary data disagree at t0; "
                             "boundary data imposed through the loss")
                faces, factors, names, total = {}, [], set(), sp.Integer(0)
                bracket = initial[0].subs(t.symbol, t.lo)
                blended = None
            total = total + bracket
            factors.append(("time", domain.n_inputs - 1, t.lo, t.hi))
            names.add(initial[1])
        values = {sp.Symbol(p.name): p.value for p in problem.parameters}
        total = total.subs(values)
        if faces and blended is None and ball is None:
            # Clamped faces enter D a second time, so dn(u) = 0 holds exactly too.
            clamped, clamps = _clamped(problem, field, faces, total)
            factors += [_face_factor(face, domain) for face in sorted(clamped)]
            names |= clamps
        program = lower(total, columns, set(), f"hard constraint of {field}")
        lift = None if total == 0 else (
            lambda x, p=program: p(Env(x, {}, {})))
        if blended is not None:
            t0 = (domain.n_inputs - 1, domain.time.lo) if initial is not None else None
            lift = _with_blend(lift, blended, t0)
        out.append(FieldConstraint(col, lift, tuple(factors), costly_lift=blended is not None,
                                   series_lift=_series(total)))
        imposed |= names
    return out, imposed, notes


def with_layers(problem: Problem, constraints: list[FieldConstraint], layers: dict
                ) -> tuple[list[FieldConstraint], list[str]]:
    """``constraints`` with a boundary-layer term on every exactly imposed outflow face of
    ``layers`` ((field, coordinate, side) → δ / L, spec/layers.py): the network gets one
    more output per layer, after the fields' columns. A face that enters D twice (clamped)
    or a shaped domain's distance gets none. Also the notes that say so."""
    out, notes = [], []
    extra = len(problem.fields)
    domain = problem.domain
    for c in constraints:
        if c.distance is not None:   # a shaped domain: no faces of its own
            out.append(c)
            continue
        field = problem.fields[c.column]
        found = []
        for k, (kind, col, a, b) in enumerate(c.factors):
            if kind not in ("lo", "hi"):
                continue
            coord = domain.space[col].name if col < len(domain.space) else None
            width = layers.get((field, coord, kind))
            if width is None or sum(1 for f in c.factors if f[:2] == (kind, col)) != 1:
                continue
            found.append((k, extra, width))
            how = ("(a stagnation layer: the transport vanishes at the face, δ = √(2ε/β)); "
                   "the model carries it with a term of profile erf(s/δ)"
                   if isinstance(width, Stagnation) else
                   "(the equation's second-derivative coefficient over its first-derivative "
                   "one); the model carries it with a term of profile 1 − exp(−s/δ)")
            notes.append(f"{field}: boundary layer of width {width * (b - a):.3g} at "
                         f"{coord}_{'max' if kind == 'hi' else 'min'} {how}")
            extra += 1
        out.append(replace(c, layers=tuple(found)) if found else c)
    return out, notes


def with_time_layer(constraints: list[FieldConstraint], layer) -> list[FieldConstraint]:
    """``constraints`` with the factor of an initial value at the layer's start (a time
    factor, or a 1-D domain's low face) replaced by t̂ / (t̂ + ε) (spec/initial_layer.py)."""
    delta = layer.eps * (layer.hi - layer.lo)

    def swap(f):
        kind, col, a, b = f
        if kind in ("time", "lo") and col == layer.column and a == layer.lo:
            return ("layer", col, a, delta)
        return f

    return [replace(c, factors=tuple(swap(f) for f in c.factors)) for c in constraints]


def layer_outputs(constraints: list[FieldConstraint]) -> int:
    """The network outputs the constraints' boundary-layer terms use."""
    return sum(len(c.layers) for c in constraints)


def _layer_factor(x: torch.Tensor, factors, index: int, width: float) -> torch.Tensor:
    """(D / s) (1 − exp(−s / δ)): the other faces' factors times the layer profile of face
    ``index`` (s its normalised distance), zero on every face D vanishes on; erf(s / δ)
    for a stagnation layer (spec/layers.py: Stagnation)."""
    others = _distance(x, [f for k, f in enumerate(factors) if k != index])
    s = _distance(x, [factors[index]])
    profile = torch.erf(s / width) if isinstance(width, Stagnation) else -torch.expm1(-s / width)
    return profile if others is None else others * profile


def _gained(column: torch.Tensor, gain: float) -> torch.Tensor:
    """A network output column times the planned gain (models/scale.py)."""
    return column if gain == 1.0 else gain * column


def _plan_shaped(problem: Problem, columns: Columns):
    """Hard constraints on a CSG domain: u = A + D · N, with A the Dirichlet expression and
    D a smooth approximate distance (R-functions, see geometry/csg.py) that vanishes on the
    boundary parts carrying it: the whole solid's when one expression covers the whole
    boundary, else the R-conjunction of the tagged primitives' distances, used only if it
    is positive at 4096 interior points and on the other parts' boundary points (the
    tagged boundaries must not cut through the domain). With an initial condition as in
    the module docstring. Mesh domains have no distance function here: their conditions
    stay in the loss."""
    domain = problem.domain
    notes: list[str] = []
    if domain.mesh is not None:
        return [], set(), ["mesh domain: Dirichlet conditions imposed through the loss"]
    solid = solid_of(problem)
    atoms = _atoms(problem, solid)
    corners = corner_plan(problem)   # spec/corners.py
    tags = atoms({leaf.tag for leaf in solid.leaves})
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    out, imposed = [], set()
    for col, field in enumerate(problem.fields):
        bcs = [(c, g) for c in problem.conditions if c.region.kind == "boundary"
               and c.region.select is None and c.points is None
               and (g := dirichlet_value(c, field)) is not None]
        at_corner = [c.name for c, _ in bcs if corners and _at_corner(solid, atoms, c, corners)]
        if at_corner:
            # A distance factor vanishes on both edges of a re-entrant corner, so the network
            # would have to grow like r^(α−1) there to make the corner's r^α: the groundwater
            # pit's corner (an L-shape, heads on both walls) stayed at 5.0e-3 with its walls
            # imposed and reached 2.8e-6 with them in the loss, both with the corner
            # functions as inputs (2 minutes, stop 42).
            notes.append(f"{field}: {', '.join(at_corner)} imposed through the loss, as a "
                         "distance factor vanishing at a re-entrant corner would ask the "
                         "network for an infinite slope there")
            bcs = [(c, g) for c, g in bcs if c.name not in at_corner]
        initial = [(c, g) for c in problem.conditions if c.region.kind == "initial"
                   and (g := dirichlet_value(c, field)) is not None]
        covered = set().union(*[tags if c.region.piece is None else atoms(c.region.piece)
                                for c, _ in bcs]) if bcs else set()
        exprs = {g for _, g in bcs}
        distance = blended = None
        if bcs and len(exprs) == 1:
            distance = _shaped_distance(problem, solid, covered, tags)
        elif bcs:
            blended = _part_blend(problem, solid, bcs, tags, columns, atoms)
            if blended is not None:
                distance = _shaped_distance(problem, solid, covered, tags)
                blended = blended if distance is not None else None
        if bcs and distance is None:
            notes.append(f"{field}: no smooth distance vanishing exactly where its Dirichlet "
                         "data are given (several expressions, a non-convex polygon, or parts "
                         "whose primitives cut through the domain); imposed through the loss")
        if distance is not None and blended is None:
            growth = _growth(problem, columns, next(iter(exprs)),
                             None if covered >= tags else sorted(covered, key=str))
            if growth is not None:
                notes.append(f"{field}: the expression of its Dirichlet data "
                             f"({', '.join(sorted(c.name for c, _ in bcs))}) {growth} inside "
                             "the domain (singular there?), which the network would have to "
                             "cancel; imposed through the loss")
                distance = None
        if distance is None and not initial:
            continue
        lift = next(iter(exprs)) if distance is not None and blended is None else sp.Integer(0)
        factors: list[tuple[str, int, float, float]] = []
        names = {c.name for c, _ in bcs} if distance is not None else set()
        if initial:
            t = domain.time
            c0, u0 = initial[-1]
            bracket = u0.subs(t.symbol, t.lo) - lift.subs(t.symbol, t.lo)
            if blended is not None:
                ok = all(_compatible_on_solid((u0.subs(t.symbol, t.lo) - g.subs(t.symbol, t.lo))
                                              .subs(values), problem, columns, c.region)
                         for c, g in bcs)
            else:
                ok = distance is None or _compatible_on_solid(bracket.subs(values), problem,
                                                              columns)
            if not ok:
                notes.append(f"{field}: initial value and boundary data disagree at t0; "
                             "boundary data imposed through the loss")
                distance, names, lift, blended = None, set(), sp.Integer(0), None
                bracket = u0.subs(t.symbol, t.lo)
            lift = lift + bracket
            factors.append(("time", domain.n_inputs - 1, t.lo, t.hi))
            names.add(c0.name)
        total = lift.subs(values)
        program = lower(total, columns, set(), f"hard constraint of {field}")
        lift_fn = None if total == 0 else (lambda x, p=program: p(Env(x, {}, {})))
        if blended is not None:
            t0 = (domain.n_inputs - 1, domain.time.lo) if initial else None
            lift_fn = _with_blend(lift_fn, blended, t0)
        out.append(FieldConstraint(col, lift_fn, tuple(factors), distance,
                                   costly_lift=blended is not None, series_lift=_series(total)))
        imposed |= names
    return out, imposed, notes


# A shape's Dirichlet datum is its lift over the whole domain (u = A + D·N): one whose
# largest value inside the domain is this many times its largest where it is given is
# singular there in practice, and the network would have to cancel it. A crane hook's end
# shear, -(2Ax - 2B/x³ + D/x) on the face y = 0 (x from 40 to 80 mm), reaches 4e13 times
# near the built-in end x → 0; a growing Gaussian (a muskrat population, 3e5 times its
# value on the survey's rim at its centre) is a smooth lift and stays one.
LIFT_GROWTH = 1e6


def _growth(problem: Problem, columns: Columns, expr: sp.Expr, pieces) -> str | None:
    """How a shape's Dirichlet datum ``expr`` grows inside the domain ("is not finite",
    "grows to 4e+13 times ..."), or None where its largest value stays within LIFT_GROWTH of its
    largest on the boundary parts ``pieces`` that carry it (None: the whole boundary)."""
    fn = _lowered(expr, problem, columns, "a Dirichlet lift")
    gen = torch.Generator().manual_seed(0)

    def at(region: Region) -> torch.Tensor:
        x = _fixed_points(problem, region, 2048, gen)
        return fn(x) if len(x) else torch.zeros(0, dtype=torch.float64)

    try:
        on = torch.cat([at(Region("boundary", piece=None if pieces is None else (p,)))
                        for p in (pieces or [None])])
        inside = at(Region("interior"))
    except (SpecError, RuntimeError, ValueError):
        return None   # a part or datum this check cannot sample: left to the usual rules
    if not len(inside) or not len(on) or not bool(torch.isfinite(on).all()):
        return None
    if not bool(torch.isfinite(inside).all()):
        return "is not finite"
    top_on, top_in = float(on.abs().max()), float(inside.abs().max())
    # data that vanish where given (round-off: an exact solution zero on its face) tell no
    # size to compare with
    if LIFT_GROWTH * top_on < top_in and top_on > 1e-9 * float(inside.abs().median()):
        return f"grows to {top_in / top_on:.0g} times its largest value where given"
    return None


def _shaped_distance(problem: Problem, solid, covered: set, tags: set):
    """x (n, n_inputs) → D (n,), or None (see :func:`_plan_shaped`)."""
    scale = 1.0 / solid.diameter
    # with a hole's log radius planned, its distance is linear (geometry/csg.py; Krogh's
    # tissue cylinder: 0.125 with either alone, 5.7e-6 with both, stop 44)
    holes = bool(hole_plan(problem))
    if covered >= tags:
        if solid.adf(torch.zeros(1, solid.dim, dtype=torch.float64)) is None:
            return None
        return lambda x, s=solid, k=scale: s.adf(x[:, :s.dim], holes) * k
    phi = solid.adf_of(covered, holes)
    if phi is None:
        return None
    regions = [Region("interior")] + [Region("boundary", piece=(piece,))
                                      for piece in sorted(tags - covered, key=str)]
    gen = torch.Generator().manual_seed(0)
    floor = None   # 1e-9, or round-off of the interior's largest value where that is less:
    for region in regions:   # a kink-free product is small near small faces (mm in metres)
        try:
            x = _fixed_points(problem, region, 4096, gen)[:, :solid.dim]
        except SpecError:   # an empty part (an edge a union gives to another primitive)
            continue
        if not len(x):
            continue
        v = phi(x)
        floor = min(1e-9, 1e-9 * float(v.abs().max())) if floor is None else floor
        if not bool((v > floor).all()):
            return None
    return lambda x, f=phi, k=scale, d=solid.dim: f(x[:, :d]) * k


def _lowered(expr: sp.Expr, problem: Problem, columns: Columns, what: str):
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    program = lower(expr.subs(values), columns, set(), what)

    def fn(x):
        v = torch.as_tensor(program(Env(x, {}, {})))
        return v.to(x).expand(len(x)) if v.dim() == 0 else v.reshape(-1)
    return fn


def _with_blend(lift, blended, t0):
    """lift + A(x) (− A(x at t = t0) when an initial condition is imposed too)."""
    def fn(x):
        value = blended(x)
        if t0 is not None:
            col, t_lo = t0
            x0 = torch.cat([x[:, :col], torch.full_like(x[:, col:col + 1], t_lo),
                            x[:, col + 1:]], 1)
            value = value - blended(x0)
        return value if lift is None else lift(x) + value
    return fn


def _face_blend(faces: dict, domain, columns: Columns, problem: Problem):
    """Blend of per-face data on a box, with the faces' distances in the domain's own
    length (divided by its longest side; time faces by their span).

    Distances normalised face by face weighted far faces up in a long box: in a 20 × 1
    channel with data at its inlet and walls at 0, the inlet's data still made a third of
    the lift halfway down, and the network had to cancel it along the channel where the
    solution had decayed (advection-diffusion at Péclet 20, L2RE 2.1e-2 at 2 minutes;
    docs/zoo.md, stop 34). In the domain's own length the walls take over within about a
    wall distance of the inlet."""
    longest = max(c.hi - c.lo for c in domain.space)
    data, dists = [], []
    for (coord, side), (g, name) in sorted(faces.items()):
        iv = domain.interval(coord)
        time = domain.time is not None and coord == domain.time.name
        col, w = domain.column(coord), (iv.hi - iv.lo) if time else longest
        data.append(_lowered(g, problem, columns, f"Dirichlet data of {name}"))
        dists.append((lambda x, c=col, a=iv.lo, w=w: (x[:, c] - a) / w) if side == "lo"
                     else (lambda x, c=col, b=iv.hi, w=w: (b - x[:, c]) / w))
    return blend(data, dists)


def _corner_notes(field: str, faces: dict, domain, problem: Problem) -> list[str]:
    """Warn where faces of two coordinates meet and their data differ (at 7 points of the
    shared edge, or the corner in 2-D): the model takes their average there."""
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    notes = []
    keys = sorted(faces)
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            (c1, s1), (c2, s2) = keys[a], keys[b]
            if c1 == c2:
                continue
            diff = (faces[keys[a]][0] - faces[keys[b]][0]).subs(values)
            worst = 0.0
            for k in range(7):
                point = {}
                for i, c in enumerate(list(domain.space) + ([domain.time] if domain.time else [])):
                    frac = ((k + 1) / 8 * (1 + 0.37 * i)) % 1
                    point[c.symbol] = c.lo + frac * (c.hi - c.lo)
                for c, s in ((c1, s1), (c2, s2)):
                    iv = domain.interval(c)
                    point[iv.symbol] = iv.lo if s == "lo" else iv.hi
                try:
                    worst = max(worst, abs(value_at(diff, point)))
                except (TypeError, ValueError, OverflowError):
                    worst = float("inf")
            if worst > 1e-9:
                notes.append(f"{field}: Dirichlet data of {faces[keys[a]][1]} and "
                             f"{faces[keys[b]][1]} differ by up to {worst:.3g} where "
                             f"{c1}_{'min' if s1 == 'lo' else 'max'} meets "
                             f"{c2}_{'min' if s2 == 'lo' else 'max'}; imposed exactly on "
                             "each face, averaged at the junction")
    return notes


def _at_corner(solid, atoms, condition, corners) -> bool:
    """Whether the boundary part of ``condition`` reaches one of the re-entrant corners: the
    boundary of a primitive it names (or the side it names) passes through one."""
    if condition.region.piece is None:
        return True
    points = torch.tensor([c.point for c in corners.corners], dtype=torch.float64)
    tol = 1e-9 * solid.diameter
    for label in atoms(condition.region.piece):
        if isinstance(label, str) and "." in label:
            i, k = solid.side(label)
            leaf = solid.leaves[i]
            if ((leaf.sdf(points).abs() < tol) & (leaf.side_adf(k, points).abs() < tol)).any():
                return True
        elif any((leaf.sdf(points).abs() < tol).any() for leaf in solid.leaves
                 if leaf.tag == label):
            return True
    return False


def _atoms(problem: Problem, solid):
    """labels → the boundary pieces they cover, as disjoint atoms: a name whose sides some
    condition selects (``outer.x_min``) stands for all of its sides, so that ``outer`` and
    ``outer.x_min`` are seen to overlap and the rest of ``outer`` can be named."""
    split = {label.partition(".")[0] for c in problem.conditions if c.region.piece
             for label in c.region.piece if "." in str(label)}

    def expand(labels) -> set:
        out = set()
        for label in labels:
            out |= set(solid.sides_of(label)) if label in split else {label}
        return out
    return expand


def _part_blend(problem: Problem, solid, bcs, tags: set, columns: Columns, atoms):
    """Blend of per-part data on a CSG domain, or None when the parts overlap or a part's
    distance is not positive off that part (see :func:`_shaped_distance`)."""
    parts = [tags if c.region.piece is None else atoms(c.region.piece) for c, _ in bcs]
    if sum(len(p) for p in parts) != len(set().union(*parts)):
        return None          # two conditions on one part: no single datum to impose
    data, dists = [], []
    for (c, g), part in zip(bcs, parts):
        phi = _shaped_distance(problem, solid, part, tags)
        if phi is None:
            return None
        data.append(_lowered(g, problem, columns, f"Dirichlet data of {c.name}"))
        dists.append(phi)
    return blend(data, dists)


def _fixed_points(problem: Problem, region: Region, n: int, gen=None, draw: int = 0
                  ) -> torch.Tensor:
    """Up to ``n`` points of ``region`` from ``draw`` (default 2n) fixed-seed uniform
    candidates in its unit box: the same points on every call."""
    g = region_geometry(problem, region)
    gen = gen if gen is not None else torch.Generator().manual_seed(0)
    u = torch.rand(draw or 2 * n, g.unit_dim, generator=gen, dtype=torch.float64)
    return g.map(u[g.accept(u)][:n])[0]


def _compatible_on_solid(bracket: sp.Expr, problem: Problem, columns: Columns,
                         region: Region | None = None) -> bool:
    """Does u0 − g(·, t0) vanish on the solid's boundary, or on ``region`` of it (checked at
    256 boundary points)?"""
    if bracket == 0:
        return True
    x = _fixed_points(problem, region or Region("boundary"), 256, draw=4096)

    def at(e: sp.Expr) -> torch.Tensor:
        v = lower(e, columns, set(), "initial-boundary compatibility")(Env(x, {}, {}))
        return torch.as_tensor(v, dtype=torch.float64).abs().reshape(-1).expand(len(x))
    size = sum((at(a) for a in sp.Add.make_args(bracket)), torch.zeros(len(x)))
    return bool((at(bracket) <= AGREE * torch.clamp(size, min=1.0)).all())


def _series(expr: sp.Expr) -> bool:
    """Whether a lift holds Bessel functions, summed as series with each derivative a
    series again (compiler/lower.py): differentiated anew at every step, a quantum
    corral's initial state J0(k r), J1(k r) took 455 series per step (366 steps in 2
    minutes); from a table, once per point set (stop 50)."""
    return expr.has(sp.besselj, sp.besseli)


def _face_factor(face: tuple[str, str], domain) -> tuple[str, int, float, float]:
    """The distance factor of a box face (coordinate, side), for :func:`_distance`."""
    coord, side = face
    iv = domain.interval(coord)
    return (side, domain.column(coord), iv.lo, iv.hi)


def _clamped(problem: Problem, field: str, faces: dict, lift: sp.Expr) -> tuple[set, set[str]]:
    """(faces, condition names) of the Neumann conditions ``dn(field) = 0`` whose faces all
    carry Dirichlet data and where the whole lift (with the initial bracket) has a zero
    normal derivative (a clamped edge: u = 0 and ∂u/∂n = 0). With D² N in the model
    instead of D N, ∂u/∂n = ∂A/∂n = 0 holds on those faces exactly, and a clamped solution
    (a double zero at the edge) divided by D² stays smooth for the network."""
    domain = problem.domain
    if domain.vector is not None:
        return set(), set()
    all_faces = {(c.name, side) for c in domain.space for side in ("lo", "hi")
                 if c.name not in problem.periodic}
    out, names = set(), set()
    for c in problem.conditions:
        if c.kind != "neumann" or c.field != field or c.points is not None:
            continue
        r = c.region
        covered = {(r.coord, r.side)} if r.kind == "face" else (
            all_faces if r.kind == "boundary" and r.select is None else None)
        if not covered or not covered <= set(faces):
            continue
        if problem.carries_data(c):
            continue
        if all(_compatible(sp.diff(lift, sp.Symbol(coord)), {(coord, side): None}, domain,
                           problem) for coord, side in covered):
            out |= covered
            names.add(c.name)
    return out, names


def _transfinite(faces: dict, domain) -> sp.Expr:
    """The transfinite (Coons) lift of face data on a box that agree where faces meet: the
    Boolean sum 1 − Π_c (1 − P_c) of one projector per coordinate c with data, P_c f =
    (1 − s) f|lo + s f|hi with s = (x_c − lo)/(hi − lo) when both faces of c have data, f
    on the one face otherwise (extended unchanged along c). It takes every face's data
    exactly and is as smooth as the data; on the faces of one coordinate it is the linear
    interpolation between them.

    Why not the blend Σ g_i Π_{j≠i} φ_j / Σ Π_{j≠i} φ_j: where two faces meet it is only
    continuous, even for data that agree there. At the inlet corner of a channel with
    data sin(πy) and walls at 0, its Laplacian grows like 1/distance, which no D·N can
    cancel; the residual-based redraws gathered points there and a run that had reached
    L2RE 2.8e-3 ended at 0.49 (advdiff_channel_far, 2 minutes, stop 36)."""
    by_coord: dict[str, dict[str, sp.Expr]] = {}
    for (coord, side), (g, _) in faces.items():
        by_coord.setdefault(coord, {})[side] = g
    coords = sorted(by_coord)
    total = sp.Integer(0)
    for r in range(1, len(coords) + 1):
        for subset in combinations(coords, r):
            for sides in product(*[sorted(by_coord[c]) for c in subset]):
                weight, at = sp.Integer((-1) ** (r + 1)), {}
                for c, side in zip(subset, sides):
                    iv = domain.interval(c)
                    if len(by_coord[c]) == 2:
                        s = (iv.symbol - iv.lo) / (iv.hi - iv.lo)
                        weight = weight * (1 - s if side == "lo" else s)
                    at[iv.symbol] = iv.lo if side == "lo" else iv.hi
                # the first face's data where the faces meet (they agree there)
                total = total + weight * by_coord[subset[0]][sides[0]].subs(at)
    return total


def _compatible(bracket: sp.Expr, faces: dict, domain, problem) -> bool:
    """Does u0 − A(·, t0) (or another expression of the coordinates) vanish on every face
    of ``faces`` (checked at sample points, and at sample times when it has time)?"""
    values = {sp.Symbol(p.name): p.value for p in problem.parameters}
    f = bracket.subs(values)
    axes = list(domain.space)
    if domain.time is not None and f.has(domain.time.symbol):
        axes.append(domain.time)
    syms = [c.symbol for c in axes]
    for (coord, side) in faces:
        iv = domain.interval(coord)
        for k in range(7):
            point = {}
            for s, c in zip(syms, axes):
                frac = (k + 1) / 8 * (1 + 0.37 * syms.index(s)) % 1
                point[s] = c.lo + frac * (c.hi - c.lo)
            point[sp.Symbol(coord)] = iv.lo if side == "lo" else iv.hi
            try:
                size = sum(abs(value_at(a, point)) for a in sp.Add.make_args(f))
                if abs(value_at(f, point)) > AGREE * max(1.0, size):
                    return False
            except (TypeError, ValueError, OverflowError):
                return False
    return True


# Initial and boundary data agree where they differ by at most this much of their own size
# (and of 1). An absolute 1e-9 read a fish stock's recruitment pulse of 1.5e10 and its
# initial age profile, equal at a = t = 0 to round-off, as disagreeing: the boundary data
# went to the loss (stop 50).
AGREE = 1e-9


class HardConstrained(nn.Module):
    """Wrap a network so that the planned conditions hold exactly.

    Shapes: (n, d) → (n, m). Columns without a constraint pass through unchanged.
    """

    def __init__(self, net: nn.Module, constraints: list[FieldConstraint]):
        super().__init__()
        self.net = net
        self.constraints = constraints
        self.extra = layer_outputs(constraints)   # network outputs of boundary-layer terms

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """A shaped domain's distance and a blended lift do not depend on the parameters and
        are costly to differentiate: at points the autodiff engine brings back step after
        step they come, with their derivatives, from tables (models/tabulated.py). Face
        factors and single-expression lifts are cheaper to evaluate than to look up, unless
        they hold Bessel functions (:func:`_series`)."""
        raw = self.net(x)
        cols = list(raw.unbind(dim=1))
        static = self.__dict__.setdefault("_static_values", StaticCache())  # not state: a cache
        for i, c in enumerate(self.constraints):
            factor = _distance(x, c.factors)
            if c.distance is not None:
                d = static.evaluate(f"distance{i}", c.distance, x)
                factor = d if factor is None else factor * d
            raw_col = _gained(cols[c.column], c.gain)
            value = raw_col if factor is None else factor * raw_col
            for index, column, width in c.layers:
                value = value + _layer_factor(x, c.factors, index, width) * \
                    _gained(cols[column], c.gain)
            if c.lift is not None:
                value = value + (static.evaluate(f"lift{i}", c.lift, x)
                                 if c.costly_lift or c.series_lift else c.lift(x))
            cols[c.column] = value
        return torch.stack(cols[:len(cols) - self.extra], dim=1)

    def jet(self, j):
        """The same map on a Taylor jet: Leibniz for the factor, nested jvp for the lift
        (it does not depend on the parameters)."""
        jet_method = getattr(self.net, "jet", None)
        raw = jet_method(j) if callable(jet_method) else j.generic(self.net)
        cols = [raw.select([k]) for k in range(raw.value.shape[1])]
        static = self.__dict__.setdefault("_static_jets", {})   # not state: a cache
        for i, c in enumerate(self.constraints):
            factor = _distance_jet(j, c.factors)
            if c.distance is not None:
                d = j.static(c.distance, static, f"distance{i}")
                factor = d if factor is None else factor * d
            value = cols[c.column] if factor is None else factor * cols[c.column].affine(c.gain)
            for index, column, width in c.layers:
                layer = j.static(partial(_layer_factor, factors=c.factors, index=index,
                                         width=width), static, f"layer{i}.{index}")
                value = value + layer * cols[column].affine(c.gain)
            if c.lift is not None:
                value = value + j.static(c.lift, static, f"lift{i}")
            cols[c.column] = value
        cols = cols[:len(cols) - self.extra]
        return cols[0].cat(cols[1:]) if len(cols) > 1 else cols[0]


def _distance_jet(j, factors):
    """:func:`_distance` on an input jet."""
    out = None
    n_space = j.value.shape[1] - sum(1 for k, *_ in factors if k == "time")
    for kind, col, a, b in factors:
        if kind == "layer":   # (t − t0) / (t − t0 + δ), b = δ (spec/initial_layer.py)
            f = j.select([col]).affine(1.0, -a)
            f = f * f.affine(1.0, b).map("recip")
        elif kind in ("lo", "time"):
            f = j.select([col]).affine(1 / (b - a), -a / (b - a))
        elif kind == "hi":
            f = j.select([col]).affine(-1 / (b - a), b / (b - a))
        else:
            space = None if n_space == j.value.shape[1] else list(range(n_space))
            f = j.sum_squares(space).affine(-1 / b ** 2, 1.0)
        out = f if out is None else out * f
    return out


def _distance(x: torch.Tensor, factors) -> torch.Tensor | None:
    out = None
    for kind, col, a, b in factors:
        if kind == "lo":
            f = (x[:, col] - a) / (b - a)
        elif kind == "hi":
            f = (b - x[:, col]) / (b - a)
        elif kind == "time":
            f = (x[:, col] - a) / (b - a)
        elif kind == "layer":
            f = (x[:, col] - a) / (x[:, col] - a + b)
        else:  # ball of radius b over all spatial columns (time, if any, is last)
            n_space = x.shape[1] - sum(1 for k, *_ in factors if k == "time")
            f = 1 - (x[:, :n_space] ** 2).sum(1) / b ** 2
        out = f if out is None else out * f
    return out
