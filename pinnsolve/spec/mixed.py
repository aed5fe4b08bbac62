"""The mixed form: a defined flux or stress learnt as a field of its own.

Engineers write elasticity as stresses defined from the displacements' gradients and
equations that take the stresses' divergence (``sxx: C*(diff(u, x) + nu*diff(v, y))``,
``diff(sxx, x) + diff(sxy, y) = 0``), and tractions as conditions on the stresses. Inlined,
that is a second-order system whose traction conditions hold first derivatives of every
displacement at once, and a network trained on it fails: Kirsch's plate with a hole L2RE
0.46 and 0.84 at 2 minutes, a steel plate girder 1.00 (stop 45). Learnt in the mixed form
(the stresses as three more outputs of the network, their definitions as three equations
of first order, the equilibrium of first order in them, the tractions conditions on
values, which the geometry imposes exactly where it can) the same files reach 1.8e-3 and
9.9e-5.

So, planned (``model.mixed_form`` unset) or asked for (true), a ``define`` whose
expression holds a derivative of a field, and which the equations differentiate, becomes a
field: the network's output, with the equation ``name = its definition`` (term
``<name>_law``), where a condition holds one of them (a traction, a moment, a flux).
Definitions the equations use undifferentiated (a strain inside a stress, a source) stay
inlined. Without such a condition the inlined form trains better: a heat problem with a
variable conductivity written through its flux, Dirichlet data all round, 1.6e-6 inlined,
1.1e-4 mixed; −(k(u) u')' = f in one dimension 6.6e-12 and 6.4e-8 (2 minutes, stop 45).
Nor, planned, where a candidate is infinite where the fields' derivatives vanish (a
power-law viscosity, :func:`infinite_at_rest`): it has no finite size to learn.
"""
from __future__ import annotations

import cmath
from typing import Callable

import sympy as sp

from ..errors import SpecError
from .symbols import Laplacian

SUFFIX = "_law"   # the term name of a promoted definition's equation


def candidates(problem) -> list[str]:
    """The ``define`` names whose expression holds a derivative of a field, in file order."""
    fields = tuple(problem.field_functions.values())
    return [name for name, expr in (problem.definitions or {}).items()
            if any(d.expr.has(*fields) for d in expr.atoms(sp.Derivative))
            or any(lap.has(*fields) for lap in expr.atoms(Laplacian))]


REST = 1e-12    # the size of every field derivative "at rest"
SINGULAR = 1e4  # a slope this many times its size at 1 there: not smooth at rest


def infinite_at_rest(problem, names) -> bool:
    """Whether one of the definitions ``names`` is not smooth where the flow is at rest:
    with every derivative of a field set to s times a fixed number (parameters at their
    values, fields and coordinates at fixed numbers), its value or its slope in s at
    s = REST is not finite, or the slope there is SINGULAR times or more its slope at 1.
    A power-law viscosity 1/|∇u|^(2/3) (Glen's ice) is infinite there; a stress made from
    one, 2η ε̇ ∝ ε̇^(1/n), is finite but its slope is not (Norton creep). A Newtonian
    stress, a flux or a strain rate is smooth. In the mixed form such a definition, or the
    strain rate it is written from, is learnt as a field while the equations hold it
    singular where the flow is at rest: a valley glacier's velocity 4.4 and 6.4 at 2
    minutes in the mixed form, 3.1e-4 inlined (stop 48)."""
    fields = tuple(problem.field_functions.values())
    s = sp.Symbol("s", positive=True)
    values = {sp.Symbol(k): v for k, v in problem.parameter_values.items()
              if isinstance(v, (int, float))}
    for name in names:
        expr = problem.definitions[name]
        moved = sorted((d for d in expr.atoms(sp.Derivative) if d.expr.has(*fields)), key=str)
        moved += sorted((lap for lap in expr.atoms(Laplacian) if lap.has(*fields)), key=str)
        rest = {d: s * (0.5 + (0.37 * k) % 1.0) for k, d in enumerate(moved, 1)}
        rest.update({f: sp.Float(0.7 + 0.11 * k)
                     for k, f in enumerate(sorted(fields, key=str), 1)})
        e = sp.sympify(expr.xreplace(rest)).xreplace(values)
        e = e.xreplace({c: sp.Float(0.3 + 0.13 * k) for k, c in enumerate(
            sorted(problem.domain.coordinate_symbols, key=str), 1)})
        if e.free_symbols - {s}:
            continue   # unknowns or data fields in it: not read
        slope = sp.diff(e, s)
        small = [sp.N(v.subs(s, REST)) for v in (e, slope)]
        if any(v.has(sp.zoo, sp.oo, -sp.oo, sp.nan) for v in small):
            return True   # infinite at rest
        try:
            small_slope, one = complex(small[1]), complex(sp.N(slope.subs(s, 1)))
        except TypeError:
            continue   # not a number (a function the check cannot evaluate): not read
        if not cmath.isfinite(small_slope) or abs(small_slope) > SINGULAR * max(abs(one),
                                                                             1e-300):
            return True
    return False


def differentiated(expr: sp.Expr, function: sp.Expr) -> bool:
    """Whether ``expr`` takes a derivative of ``function`` (a Laplacian counts)."""
    return any(d.has(function) for d in expr.atoms(sp.Derivative)) or \
        any(lap.has(function) for lap in expr.atoms(Laplacian))


def wanted(problem) -> bool:
    """Whether the file asks for the mixed form, or leaves it to the plan."""
    setting = problem.settings.model.mixed_form
    if setting is not None:
        return setting
    return "mixed_form" in problem.settings.training.planned


def mixed_form(problem, build: Callable[[tuple[str, ...]], object]):
    """``problem`` in the mixed form where it applies, else ``problem`` itself.

    ``build(names)`` builds the same file again with ``names`` promoted from definitions
    to fields. A first build promotes every candidate, to see which of them the equations
    (the file's own, not the added laws) differentiate; those are kept."""
    if not wanted(problem) or problem.operator is not None or problem.domain.vector is not None:
        return problem
    names = tuple(candidates(problem))
    if not names or (problem.settings.model.mixed_form is None
                     and infinite_at_rest(problem, names)):
        return problem   # (planned: a power-law coefficient stays inlined)
    try:
        trial = build(names)
        own = trial.equations[:len(problem.equations)]
        functions = trial.field_functions
        kept = tuple(n for n in names
                     if any(differentiated(e.expr, functions[n]) for e in own))
        if not kept or (problem.settings.model.mixed_form is None and not any(
                c.expr.has(functions[n]) for c in trial.conditions for n in kept)):
            return problem   # planned: no traction or flux condition to turn into a value
        return trial if kept == names else build(kept)
    except SpecError:   # the file built as written; promoting is only ever an option
        return problem


def inlined(problem) -> list[sp.Expr]:
    """The file's own equations as it wrote them: each promoted field replaced by its
    definition again (the rules that read the equations' order, spec/corners.py, see the
    problem's second order, not the mixed form's first)."""
    exprs = [e.expr for e in problem.equations]
    if not problem.promoted:
        return exprs
    own = exprs[:len(exprs) - len(problem.promoted)]
    functions = problem.field_functions
    laws = {functions[n]: functions[n] - law
            for n, law in zip(problem.promoted, exprs[len(own):])}
    return [e.subs(laws).doit() for e in own]
