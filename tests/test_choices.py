"""Registry choices in the schema: only the chosen word's options are accepted, nested or
flat; old prefixed keys name the new spelling; overrides reach nested options; a strategy
registered at run time is validated and built like the bundled ones."""
from __future__ import annotations

import dataclasses
import json

import pytest
import torch

import pinnsolve
from pinnsolve.errors import SpecError
from pinnsolve.geometry import RegionGeometry
from pinnsolve.sampling import STRATEGIES, RegionSampler, Strategy
from pinnsolve.spec.problem import Region
from pinnsolve.spec.schema import _rng

BASE = {"domain": {"x": [0, 1]}, "fields": ["u"], "equations": ["diff(u, x, 2) = 0"]}


def load(overrides=(), **sections):
    return pinnsolve.load_problem({**BASE, **sections}, list(overrides))


def test_nested_and_flat_options_mean_the_same():
    a = load(sampling={"strategy": {"adversarial": {"steps": 7, "radius": 0.2}}})
    b = load(sampling={"strategy": "adversarial", "steps": 7, "radius": 0.2})
    assert a.settings.sampling == b.settings.sampling
    assert a.settings.sampling.options.steps == 7 and a.settings.sampling.options.step == 0.02
    # Frozen, hashable and written to settings.json as plain data.
    assert hash(a.settings.sampling) == hash(b.settings.sampling)
    assert json.loads(json.dumps(dataclasses.asdict(a.settings)))["sampling"]["options"][
        "radius"] == 0.2


@pytest.mark.parametrize("sections, key, match", [
    ({"sampling": {"strategy": "r3", "lr": 0.1}}, "sampling.lr",
     "lr is an option of adversarial_flow; r3 takes: causal, alpha, eta, eps, start"),
    ({"sampling": {"strategy": {"r3": {"steps": 3}}}}, "sampling.strategy.r3.steps",
     "steps is an option of adversarial, adversarial_flow; r3 takes"),
    ({"sampling": {"pgd_steps": 3}}, "sampling.pgd_steps",
     r"pgd_steps was renamed; write sampling: \{strategy: \{adversarial: \{steps: ...\}\}\}"),
    ({"sampling": {"strategy": "r3", "causal_eps": 500}}, "sampling.causal_eps",
     r"write sampling: \{strategy: \{r3: \{eps: ...\}\}\}"),
    ({"training": {"weighting": {"scheme": "ntk", "ntk_points": 9}}},
     "training.weighting.ntk_points", r"write weighting: \{scheme: \{ntk: \{points: ...\}\}\}"),
    ({"training": {"phases": [{"optimizer": "adam", "damping": 1}]}},
     "training.phases.0.damping",
     "damping is an option of gauss_newton; adam takes: beta1, beta2, eps, weight_decay"),
    ({"derivatives": {"engine": "autodiff", "directions": 4}}, "derivatives.directions",
     "directions is an option of stde; autodiff takes: no options"),
    ({"sampling": {"strategy": {"rad": {"k": 20}}}}, "sampling.strategy.rad.k",
     "must be at most 10.0, got 20"),
    ({"sampling": {"strategy": {"rad": {"k": 1}}, "k": 2}}, "sampling.k", "given twice"),
    ({"sampling": {"strategy": {"rad": {}, "r3": {}}}}, "sampling.strategy",
     "a mapping of one word to its options"),
    ({"sampling": {"strategy": "grid"}}, "sampling.strategy",
     "expected one of uniform, rad, rar, r3, adversarial, adversarial_flow; got 'grid'"),
])
def test_options_of_another_word_are_refused_with_the_file_and_key(sections, key, match):
    with pytest.raises(SpecError, match=match) as info:
        load(**sections)
    assert info.value.key == key


def test_dotted_overrides_reach_nested_options():
    p = load(["sampling.strategy.adversarial.steps=10"], sampling={"strategy": "adversarial"})
    assert p.settings.sampling.options.steps == 10
    p = load(["sampling.strategy.r3.eps=5"], sampling={"strategy": {"r3": {"causal": True}}})
    assert (p.settings.sampling.options.causal, p.settings.sampling.options.eps) == (True, 5.0)
    p = load(["derivatives.engine=stde", "derivatives.directions=4"])
    assert p.settings.derivatives.options.directions == 4
    p = load(["training.phases.1.history=7"])
    assert p.settings.training.phases[1].options.history == 7


@dataclasses.dataclass(frozen=True)
class _ShiftOptions:
    shift: float = _rng(0.5, 0.0, 1.0)


class _ShiftSampler(RegionSampler):
    """A throwaway strategy: uniform points, moved by ``shift`` of the box."""

    def __init__(self, *args, shift: float = 0.5, **kwargs):
        self.shift = shift
        super().__init__(*args, **kwargs)


def test_a_strategy_registered_at_run_time_is_validated_and_built(monkeypatch):
    # The whole of adding a strategy: its module (the class and options above) and one line.
    monkeypatch.setitem(STRATEGIES, "shift", Strategy(_ShiftSampler, _ShiftOptions))
    p = load(sampling={"strategy": {"shift": {"shift": 0.25}}})
    s = p.settings.sampling
    assert s.strategy == "shift" and s.options == _ShiftOptions(0.25)
    sampler = STRATEGIES["shift"].build(RegionGeometry(p, Region("interior")), 10, s,
                                        resample_every=0, seed=0, dtype=torch.float64,
                                        device="cpu")
    assert isinstance(sampler, _ShiftSampler) and sampler.shift == 0.25
    with pytest.raises(SpecError, match="must be at most 1.0, got 2"):
        load(sampling={"strategy": {"shift": {"shift": 2}}})
    with pytest.raises(SpecError, match="shift is an option of shift; uniform takes"):
        load(sampling={"shift": 0.1})


def test_abilities_replace_name_tests():
    from pinnsolve.derivatives import ENGINES
    from pinnsolve.training import phases
    from pinnsolve.training.weights import SCHEMES
    assert {k for k, e in ENGINES.items() if e.compilable} == {"taylor", "stde"}
    assert [k for k, e in ENGINES.items() if e.stochastic] == ["stde"]
    closure = {k for k, e in phases.OPTIMIZERS.items() if e.closure_driven}
    assert closure == {"lbfgs", "bfgs", "ssbfgs", "ssbroyden", "gauss_newton", "quasi_newton"}
    keeps = {k for k, e in phases.OPTIMIZERS.items() if e.keeps_curvature}
    assert keeps == {"bfgs", "ssbfgs", "ssbroyden"}   # quasi_newton: asked of the instance
    assert phases.abilities("multiadam").per_term and not phases.abilities("adam").per_term
    assert [k for k, e in STRATEGIES.items() if e.moves_every_step] == ["r3"]
    assert {k for k, e in SCHEMES.items() if e.needs_graph} == {"lra", "grad_norm", "ntk"}
