"""Build the model a problem's settings describe (network, embedding, hard constraints)."""
from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn

from ..errors import SpecError
from ..spec.corners import corner_plan
from ..spec.holes import hole_plan
from ..spec.interfaces import interface_plan
from ..spec.initial_layer import time_layer
from ..spec.layers import boundary_layers
from ..spec.modes import time_frequencies
from ..spec.problem import Problem
from .constraints import (HardConstrained, layer_outputs, plan_constraints, with_layers,
                          with_time_layer)
from .mlp import MLP, Embedding, ModifiedMLP
from .frequency import OSCILLATORY, planned_activation, planned_time_modes
from .interfaces import with_interfaces
from .scale import (ONE_FIELD_TRUST, data_scale, data_sizes, distance_gain, fitted_sizes,
                    residual_scale, unresonant)

MODELS = {"mlp": MLP, "modified_mlp": ModifiedMLP}


def input_ranges(problem: Problem) -> tuple[list[float], list[float]]:
    """Per-input-column (lo, hi) of the problem's domain."""
    d = problem.domain
    lo = [c.lo for c in d.space]
    hi = [c.hi for c in d.space]
    if d.vector is not None:
        v = d.vector
        r = (v.lo, v.hi) if v.shape == "box" else (-v.radius, v.radius)
        lo += [r[0]] * v.dim
        hi += [r[1]] * v.dim
    if d.time is not None:
        lo.append(d.time.lo)
        hi.append(d.time.hi)
    return lo, hi


def build_model(problem: Problem, *, seed: int = 0) -> tuple[nn.Module, set[str], list[str]]:
    """The network for ``problem``, wrapped with its hard constraints when enabled.

    Args:
        problem: the Problem (its ``model`` settings, domain and conditions are used).
        seed: seeds the weights and Fourier features.
    Returns:
        (model in float64 on the CPU, names of terms imposed exactly, notes).
    """
    s = problem.settings.model
    lo, hi = input_ranges(problem)
    periodic = [problem.domain.column(c) for c in problem.periodic]
    if s.time_modes and problem.domain.time is None:
        raise SpecError("model.time_modes adds harmonics of time, but the problem has no "
                        "time coordinate; remove it", file=problem.source,
                        key="model.time_modes")
    time_modes, why = s.time_modes, ""
    frequencies, why_frequencies = (), ""
    if "time_modes" in problem.settings.training.planned:   # models/frequency.py
        time_modes, why = planned_time_modes(problem)
        frequencies, why_frequencies = time_frequencies(problem)   # spec/modes.py (ODEs)
    layer = time_layer(problem)   # spec/initial_layer.py
    corners = corner_plan(problem)   # spec/corners.py
    holes = hole_plan(problem)   # spec/holes.py

    def embed(extra_frequencies) -> Embedding:
        return Embedding(lo, hi, periodic, s.periodic_modes, s.fourier_features,
                         s.fourier_scale, generator=torch.Generator().manual_seed(seed),
                         time_column=len(lo) - 1, time_modes=time_modes,
                         time_frequencies=extra_frequencies, corners=corners, holes=holes,
                         layer=None if layer is None else (layer.column, layer.eps))

    embedding = embed(frequencies)
    constraints, imposed, notes = plan_constraints(problem) if s.hard_constraints \
        else ([], set(), [])
    if problem.promoted:   # spec/mixed.py
        notes = notes + [f"mixed form: {', '.join(problem.promoted)} learnt as fields, each "
                         "with its definition as an equation (term <name>_law), as the "
                         "equations differentiate them (model.mixed_form=false inlines them)"]
    if why:
        notes = notes + [f"{time_modes} harmonics of time: {why} (model.time_modes sets them)"]
    if why_frequencies:
        axis = problem.domain.time or problem.domain.space[0]
        notes = notes + [f"cos and sin of {axis.name} at "
                         f"{len(frequencies)} frequencies: {why_frequencies} "
                         "(model.time_modes=0 turns them off)"]
    if corners is not None:
        notes = notes + [f"r^a cos(aθ) and r^a sin(aθ) (a = kπ/ω, k = 1/2, 1, 3/2, 2) added "
                         f"to the output with trained coefficients: {corners.why} "
                         "(model.corner_modes=0 turns them off)"]
    if holes:
        shown = ", ".join(f"{h.kind} of radius {h.radius:g} at "
                          f"({', '.join(f'{v:.4g}' for v in h.center)})" for h in holes)
        notes = notes + [f"log(r/a) about {shown} joins the inputs: a round hole's profile "
                         "(model.hole_logs=false turns it off)"]
    if layer is not None:
        constraints = with_time_layer(constraints, layer)
        if layer.why and layer.kind == "radial":
            notes = notes + [f"a log radius: {layer.why}: log(r/a) joins the inputs and "
                             "half the interior points are drawn uniformly in it "
                             "(model.initial_layer=0 turns it off)"]
        elif layer.why:
            notes = notes + [f"a log time for an initial layer: {layer.why} "
                             "(model.initial_layer sets its width)"]
    if constraints and "layers" in problem.settings.training.planned:   # spec/layers.py
        layers = boundary_layers(problem)
        if layers:
            constraints, layer_notes = with_layers(problem, constraints, layers)
            notes = notes + layer_notes
    n_out = len(problem.fields) + layer_outputs(constraints)
    scale = s.output_scale
    if "output_scale" in problem.settings.training.planned:   # models/scale.py
        scales = data_scale(problem, imposed, constraints)
        if len(set(scales)) == 1:
            scale = scales[0]
            if scale != 1.0:
                notes = notes + [f"output scale {scale:g}, the RMS size of the data the "
                                 "network produces itself (model.output_scale sets it)"]
        else:   # fields of different sizes: one scale each (layer terms: their field's)
            layer_field = {col: c.column for c in constraints for _, col, _ in c.layers}
            scale = [scales[layer_field.get(k, k)] for k in range(n_out)]
            shown = ", ".join(f"{f} {v:g}" for f, v in zip(problem.fields, scales))
            notes = notes + [f"output scales {shown}, the RMS size of each field's data the "
                             "network produces itself (model.output_scale sets one for all)"]
        constraints = [replace(c, gain=distance_gain(problem, c)) for c in constraints]
        scaled = [f"{problem.fields[c.column]} ×{c.gain:g}" for c in constraints if c.gain != 1]
        if scaled:
            notes = notes + [f"distance factor of {', '.join(scaled)} (1 / its RMS over the "
                             "domain, so that the network's part is of order one)"]
    activation = s.activation
    if "activation" in problem.settings.training.planned:   # models/frequency.py
        activation, why = planned_activation(problem)
        if why:
            notes = notes + [f"{activation} activation: {why} ({OSCILLATORY} or more; "
                             "model.activation sets it)"]

    def make_net(out_scale: float | list[float], net_seed: int, features=embedding,
                 outputs: int = n_out) -> nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(net_seed)
            return MODELS[s.kind](features, outputs, s.width, s.depth,
                                  activation, out_scale).to(torch.float64)

    def probe_net(out_scale: float | list[float], net_seed: int) -> nn.Module:
        """The network the sizes are read with: without an ODE's own frequencies, whose
        exact cos/sin at a drive near resonance let the least-squares fit read a pendulum's
        angle 56 for 0.85 (the network that trains has them; spec/modes.py)."""
        return make_net(out_scale, net_seed, embed(()) if frequencies else embedding)

    if "output_scale" in problem.settings.training.planned and len(problem.fields) > 1:
        kept = scales if isinstance(scale, list) else [scale] * len(problem.fields)
        dropped: list[str] = []   # fields whose read size is not trusted (unresonant)
        if layer is not None and layer.sizes:
            # A fast initial layer: each field's size from its initial rate and data
            # (spec/initial_layer.py), not the fit's, whose linearisation at an untrained
            # network reads the fields only the layer sets as near zero (kinetics A ⇌ B → C:
            # B 3 and C 8 against 1500). Fields whose data tell their size keep it.
            read = dict(layer.sizes)
            sizes = [None if kept[k] != 1.0 else read.get(f, 1.0)
                     for k, f in enumerate(problem.fields)]
            how = ("each field's initial rate for as long as its own relaxation lets it "
                   "grow, or its initial data, at most the largest data")
        else:
            sizes = fitted_sizes(problem, constraints, imposed, probe_net, kept)
            how = ("the fields' sizes from a least-squares solve over the untrained "
                   "network's features, as one scale cannot serve them")
            if frequencies and sizes is not None:
                read, sizes = sizes, unresonant(sizes, data_sizes(problem))
                dropped = [f for k, f in enumerate(problem.fields)
                           if read[k] is not None and (sizes is None or sizes[k] is None)]
        if sizes is not None:   # fields of sizes far apart, or far from one, no data for them
            why = {f: "kept: read far below the others, a resonance" for f in dropped}
            shown = ", ".join(f"{f} {kept[k]:g} ({why.get(f, 'its data')})" if v is None
                              else f"{f} {v:g}"
                              for k, (f, v) in enumerate(zip(problem.fields, sizes)))
            sizes = [kept[k] if v is None else v for k, v in enumerate(sizes)]
            layer_field = {col: c.column for c in constraints for _, col, _ in c.layers}
            scale = [sizes[layer_field.get(k, k)] for k in range(n_out)]
            notes = [n for n in notes if not n.startswith("output scale")] + [
                f"output scales {shown}: {how} (model.output_scale sets one for all)"]
    if constraints and "output_scale" in problem.settings.training.planned and scale == 1.0:
        scale = residual_scale(problem, constraints, imposed, probe_net)
        if scale != 1.0:
            notes = notes + [f"output scale {scale:g}: no condition in the loss gives a "
                             "value, so the equations' residual with the network's part "
                             "zeroed, over the change the untrained network makes to it, "
                             "or a flux kept in the loss times the length it acts across "
                             "(model.output_scale sets it)"]
    if ("output_scale" in problem.settings.training.planned and len(problem.fields) == 1
            and scale == 1.0 and not (layer is not None and layer.sizes)):
        sizes = fitted_sizes(problem, constraints, imposed, probe_net, [1.0], ONE_FIELD_TRUST)
        if sizes is not None and sizes[0] is not None and sizes[0] != 1.0:
            scale = sizes[0]
            notes = notes + [f"output scale {scale:g}: no condition in the loss gives a value "
                             "and the rules above read none, so the field's size from a "
                             "least-squares solve over the untrained network's features "
                             "(model.output_scale sets it)"]
    interfaces = interface_plan(problem)   # spec/interfaces.py
    if interfaces is None:
        net = make_net(scale, seed)
    else:
        net, scale, why = with_interfaces(interfaces, problem, constraints, scale,
                                          lambda sc, k: make_net(sc, seed, outputs=n_out + k))
        notes = notes + why
    if not constraints:
        return net, set(), notes
    return HardConstrained(net, constraints), imposed, notes
