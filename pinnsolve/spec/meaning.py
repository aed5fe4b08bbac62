"""The digest of what a trained model *means*: the problem's physics (domain, fields,
parameters, unknowns, equations, conditions, observations, operator) and the model and
derivative settings. A checkpoint records it; resuming into a changed problem is refused
instead of silently reporting the old model as the new solution.

Left out on purpose: the name, the source path, the reference (only what the errors are
measured against), and the sampling, training, output and limit settings (more steps, other
points or another optimizer continue the same model).
"""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import sympy as sp

from .dirichlet import blends, box_faces, dirichlet_value

OUTSIDE = frozenset({"name", "source", "raw", "reference", "settings",
                     "promoted"})   # promoted: the fields and equations tell it
# Model settings the plan leaves to the model build (models/frequency.py, models/scale.py):
# the settings hold the schema's value, the network another, so whether the build chose
# them is part of the meaning (an explicit ``activation: tanh`` is not a planned sin), and
# so is the version of the rule that chose them: bump it when a rule builds differently, so
# that a run is never resumed into another model (2: waves the equations make count for the
# activation; the distance factor's gain joined the output scale; 3: the output scale from
# the equations when every condition is imposed; activation 3: coefficients that vary with
# the coordinates count with their mean; output_scale 4: also when the conditions left in
# the loss give no value, only zero or a derivative; activation 4: dispersion of any order
# and the speeds of first-order systems; output_scale 5: one scale per field, and no
# value read from a condition coupling two fields; 6: a flux kept in the loss times the
# length it acts across counts as a size, stop 37; time_modes 1: harmonics of time from the
# half-periods along time, stop 37; activation 5: a wave rings at least at its
# fundamental, stop 40; activation 6, time_modes 2: a wave's terms over every axis and
# order add up to its ω², stop 41; output_scale 7: a kept datum's size counts less the
# imposed lift, and the fit's columns lost to round-off come by autodiff, stop 47;
# output_scale 8: the fit linearised again at its own weights where the problem is
# nonlinear, and a lone field sized by the fit where no other rule reads a size, stop 48;
# output_scale 9: a fit linearised again that leaves more than no network part is read
# again by powers of ten, and not trusted if it still does, stop 52).
BUILT = {"activation": 6, "output_scale": 9, "time_modes": 2}
# The boundary-layer term (spec/layers.py) is fed only where it is built, so that the
# digest of every other problem stays what it was.
LAYERS = 1
# The rule that builds a box's lift joining faces of several coordinates (models/
# constraints.py: _transfinite, or _face_blend where the data disagree at a junction), fed
# only where one is built: bump it when the blend changes (2: faces weighed by their
# distance in the domain's own length, stop 34; 4: the transfinite lift where the faces'
# data agree at their junctions, stop 36; 3 was a development version).
BLEND_RULE = 4
# Problems of several fields and no observations may take each field's size from a
# least-squares fit (models/scale.py: fitted_sizes, stop 38): fed wherever it may apply, so
# that single-field problems keep their digests. 2 since stop 39: the fit also sets the
# sizes when every fitted field is far from one on the same side; 3 since stop 44: not where
# the fit leaves most of the residual (models/scale.py FIT_TRUST).
FIELD_FIT = 3
# Unknowns started far from one are trained in units of their initial size (spec/problem.py
# Unknown.scale, stop 37), fed only where that applies: a checkpoint holds the scaled value.
UNKNOWN_SCALE = 1
# A fast initial layer in time (spec/initial_layer.py, stop 40), fed only where one is built.
INITIAL_LAYER = 1
# An ODE's own frequencies as features (spec/modes.py, stop 41), fed only where planned.
FREQUENCIES = 1
# A datum at one point of a domain of two or more inputs, round-off beside the other data,
# tells no size (models/scale.py: _data_values, stop 43), fed only where such a pin is.
PINS = 1
# A rate in time given as data (u_t = v at t0) reads a size over T/√n where the problem
# makes n half-periods along time (models/scale.py: _flux_size, stop 43), fed only where
# such a condition is in the file.
RATE_SIZE = 1
# With every imposed value zero (no lift), a small residual ratio sets a small output scale
# (models/scale.py: residual_scale, stop 43), fed only where every Dirichlet value is zero.
ZERO_LIFT = 1
# A system's field size read far below the others' by a probe without an ODE's own
# frequencies is not trusted (models/scale.py: unresonant, stop 43), fed where they are.
RESONANT = 2   # 2: a read not below a tenth of the field's own data kept (stop 52)
# Inputs singular at a 2-D shape's re-entrant corners (spec/corners.py, stop 42), fed only
# where they are built.
CORNERS = 1
# A log radius input about a shape's round holes (spec/holes.py, stop 44), fed only where
# one is built.
HOLES = 1
# Kinks and tangential jumps across interfaces where a coefficient jumps (spec/
# interfaces.py, stop 47), fed only where they are built.
INTERFACES = 1
# A mixed-form stress the fit lets fall takes its law's size (models/scale.py: _law_sizes,
# stop 46), fed where the mixed form is built.
LAW_SIZES = 1
# A shape's Dirichlet datum that grows inside the domain is kept in the loss, not lifted
# (models/constraints.py: _growth, stop 46), fed wherever a shape has Dirichlet data.
SINGULAR_LIFT = 1
# The distance factor of a box, rectangle, polygon or cylinder bounding a shape from outside
# is the product of its faces' distances, not their R-conjunction (geometry/csg.py
# smooth_adf, stop 53), fed where a shape with such a primitive has Dirichlet data.
FACE_PRODUCT = 1


def meaning_digest(problem) -> str:
    """SHA-256 hex digest of everything that defines the meaning of ``problem``'s model."""
    h = hashlib.sha256()
    for f in dataclasses.fields(problem):
        if f.name not in OUTSIDE:
            h.update(f.name.encode() + b"=")
            _feed(h, getattr(problem, f.name))
    # Files the problem reads, by their content: the path alone let a mesh or a data field's
    # grid replaced under the same name resume the old model (stop 45).
    if problem.domain.mesh is not None:
        _feed(h, ["mesh_file", _file_digest(problem.domain.mesh)])
    grids = _data_grids(problem)
    if grids:
        _feed(h, ["data_fields"] + grids)
    s = problem.settings
    _feed(h, s.model)
    _feed(h, [f"{k}:{v}" for k, v in BUILT.items() if k in s.training.planned])
    if "layers" in s.training.planned:   # only where the rule builds a layer term
        from .layers import boundary_layers
        layers = boundary_layers(problem)
        if layers:
            _feed(h, [f"layers:{LAYERS}"] + [f"{k}:{v!r}" for k, v in sorted(layers.items())])
    if problem.domain.shape is not None and s.model.hard_constraints and any(
            dirichlet_value(c, f) is not None for c in problem.conditions
            for f in problem.fields):
        _feed(h, [f"singular_lift:{SINGULAR_LIFT}"])
        if any(leaf.kind in ("rectangle", "box", "polygon", "cylinder")
               for _, leaf in problem.domain.shape.leaves()):
            _feed(h, [f"face_product:{FACE_PRODUCT}"])
    if "output_scale" in s.training.planned:   # its rules, each fed where it may apply
        if len(problem.fields) > 1 and not problem.observations:
            _feed(h, [f"field_fit:{FIELD_FIT}"])
            if problem.promoted:
                _feed(h, [f"law_sizes:{LAW_SIZES}"])
        if problem.domain.n_inputs > 1 and any(c.region.kind == "point"
                                               for c in problem.conditions):
            _feed(h, [f"pins:{PINS}"])
        if _zero_values(problem):
            _feed(h, [f"zero_lift:{ZERO_LIFT}"])
        if _initial_rate(problem):
            _feed(h, [f"rate_size:{RATE_SIZE}"])
    # model.initial_layer is out of the settings' comparison (compare=False), so that the
    # digest of a problem without a layer stays what it was: fed here, where one is built.
    if s.model.initial_layer or "initial_layer" in s.training.planned:
        from .initial_layer import time_layer   # only where a layer is built or set
        layer = time_layer(problem)
        if layer is not None:
            _feed(h, [f"initial_layer:{INITIAL_LAYER}", layer.column, layer.eps])
    if "time_modes" in s.training.planned:
        from .modes import time_frequencies   # fed only where they are built
        frequencies = time_frequencies(problem)[0]
        if frequencies:
            _feed(h, [f"frequencies:{FREQUENCIES}", list(frequencies)])
            if len(problem.fields) > 1:   # sizes read without them (models/scale.py)
                _feed(h, [f"resonant:{RESONANT}"])
    if s.model.corner_modes or "corner_modes" in s.training.planned:
        from .corners import corner_plan   # fed only where corners are found
        corners = corner_plan(problem)
        if corners is not None:
            _feed(h, [f"corners:{CORNERS}", list(corners.exponents),
                      [list(c.point) for c in corners.corners]])
    if s.model.hole_logs or "hole_logs" in s.training.planned:
        from .holes import hole_plan   # fed only where holes are found
        holes = hole_plan(problem)
        if holes:
            _feed(h, [f"holes:{HOLES}"] + [[hole.kind, list(hole.center), hole.radius,
                                            hole.reach] for hole in holes])
    if s.model.interfaces or "interfaces" in s.training.planned:
        from .interfaces import interface_plan   # fed only where interfaces are found
        found = interface_plan(problem)
        if found is not None:
            _feed(h, [f"interfaces:{INTERFACES}", [sp.srepr(g) for g in found.levels],
                      list(found.kinks), [list(j) for j in found.jumps]])
    if any(u.scale != 1.0 for u in problem.unknowns):   # trained in units of their size
        _feed(h, [f"unknown_scale:{UNKNOWN_SCALE}"])
    if s.model.hard_constraints and _box_blend(problem):
        _feed(h, [f"blend:{BLEND_RULE}"])
    _feed(h, s.derivatives)
    return h.hexdigest()


def _zero_values(problem) -> bool:
    """Whether the file gives field values and every one of them is zero."""
    values = [g for c in problem.conditions for f in problem.fields
              if (g := dirichlet_value(c, f)) is not None]
    return bool(values) and all(g == 0 for g in values)


def _initial_rate(problem) -> bool:
    """Whether a condition at the initial time holds a time derivative (u_t = v)."""
    t = problem.domain.time
    return t is not None and any(
        c.region.kind == "initial" and any(t.symbol in d.variables
                                          for d in c.expr.atoms(sp.Derivative))
        for c in problem.conditions)


def _feed(h, value: Any) -> None:
    if isinstance(value, sp.Basic):
        h.update(b"S" + sp.srepr(value).encode() + b";")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(type(value).__name__.encode() + b"(")
        for f in dataclasses.fields(value):
            if f.compare:
                h.update(f.name.encode() + b"=")
                _feed(h, getattr(value, f.name))
        h.update(b")")
    elif isinstance(value, dict):
        h.update(b"{")
        for key in sorted(value, key=repr):
            _feed(h, key)
            h.update(b":")
            _feed(h, value[key])
        h.update(b"}")
    elif isinstance(value, (list, tuple, frozenset, set)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        h.update(b"[")
        for item in items:
            _feed(h, item)
        h.update(b"]")
    elif hasattr(value, "tobytes") and hasattr(value, "dtype"):   # numpy arrays
        h.update(f"A{value.dtype}{getattr(value, 'shape', ())}".encode())
        h.update(value.tobytes())
    else:
        h.update(f"{type(value).__name__}:{value!r};".encode())



def _file_digest(path: str) -> str:
    """SHA-256 of a file's bytes (the loader has bounded its size)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _data_grids(problem) -> list:
    """Each data field's name, grid axes and values (``data_fields``), in name order."""
    from .datafields import DataField

    found = {}
    exprs = [e.expr for e in problem.equations] + [c.expr for c in problem.conditions]
    for expr in exprs:
        for f in expr.atoms(DataField):
            found.setdefault(f.field_name, f.grid)
    return [[name, list(axes), values] for name, (axes, values) in sorted(found.items())]


def _box_blend(problem) -> bool:
    """Does the model blend Dirichlet data on a box (spec/dirichlet.py, read here without
    building the model)."""
    d = problem.domain
    if d.shape is not None or d.mesh is not None or d.vector is not None:
        return False
    return any(blends(box_faces(problem, field)) for field in problem.fields)
