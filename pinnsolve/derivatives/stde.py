"""Derivative engines built on Taylor-mode jets: exact (``taylor``) and stochastic (``stde``).

Both answer every request with forward jets (:mod:`.taylor`):

* a pure partial ∂ᵏu/∂x_cᵏ is coefficient k of a jet along e_c (one push serves every
  column and order);
* a mixed partial ∂^{q₁}_{c₁}…∂^{q_T}_{c_T} puts e_{c_t} at tangent order j_t; output
  coefficient k = Σ q_t j_t is prefactor · (wanted) + (contaminating partitions). The
  layout, prefactor and contaminants are *derived* by enumerating partitions
  (:func:`mixed_layout`), never tabulated (Shi et al. 2024, App. F; their hand-written KdV
  tables are wrong, see ../shared/research/methods.md §1.2);
* the Laplacian is a collapsed 2-jet: exact over all coordinates (forward Laplacian), or
  with STDE over a random subset J of coordinates, sampled without replacement and
  scaled by d/|J| (sparse, eq. 16), or over R Rademacher/Gaussian vectors scaled by 1/R
  (dense, Hutchinson);
* the bilaplacian Δ²u is a collapsed 4-jet: exact over an antipodal spherical 4-design
  (3 axes for d = 2, 6 for d = 3) or by polarisation over e_i and e_i ± e_j,
  or with STDE over Gaussian vectors v with weight 1/(3R), since E[∂⁴u(v,0,0,0)] = 3Δ²u.

Random tangents are drawn once per call and shared by all points (so a dense or sparse
first layer costs R·d·h once, not per point). First derivatives are always exact.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import math
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import torch

from .autodiff import autodiff
from .choice import NESTED_FASTER, choice_key, nested_faster
from .requests import Bilaplacian, DiagonalSum, Laplacian, Partial, Request
from .taylor import Jet, Sparse, push

MAX_JET_ORDER = 12


@dataclass(frozen=True)
class Layout:
    """How to read one mixed partial from one jet.

    ``tangents``: ((column, tangent order), ...); ``order``: the jet order K. Output
    coefficient K equals ``prefactor`` · (wanted) + Σ count · ∂^m u over ``contaminants``
    ``(count, m)``, each m a partial's ``orders`` tuple (pure or mixed; mixed ones are
    resolved by their own layouts).
    """

    tangents: tuple[tuple[int, int], ...]
    order: int
    prefactor: int
    contaminants: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]


def _multisets(parts: list[int], total: int):
    """Non-negative integer vectors m with Σ m_t parts_t = total."""
    if not parts:
        if total == 0:
            yield ()
        return
    first, rest = parts[0], parts[1:]
    for m in range(total // first + 1):
        for tail in _multisets(rest, total - m * first):
            yield (m,) + tail


def _count(parts: list[int], mult: tuple[int, ...]) -> int:
    """Set partitions of {1..Σ m_t j_t} into m_t blocks of size j_t: k!/Π m_t!(j_t!)^{m_t}."""
    k = sum(m * j for m, j in zip(mult, parts))
    denom = 1
    for m, j in zip(mult, parts):
        denom *= math.factorial(m) * math.factorial(j) ** m
    return math.factorial(k) // denom


def jet_terms(tangents: tuple[tuple[int, int], ...], order: int
              ) -> dict[tuple[tuple[int, int], ...], int]:
    """What output coefficient ``order`` of a jet with v⁽ʲ⁾ = e_col for each (col, j) in
    ``tangents`` (other tangents zero) contains: {partial's orders: count}."""
    cols = [c for c, _ in tangents]
    parts = [j for _, j in tangents]
    out = {}
    for mult in _multisets(parts, order):
        orders = tuple(sorted((cols[t], m) for t, m in enumerate(mult) if m))
        out[orders] = out.get(orders, 0) + _count(parts, mult)
    return out


def _cost(orders, max_order, visiting, memo):
    """(cost, layout) of the cheapest way to get a partial; pure partials cost nothing
    extra (one shared push serves them)."""
    if len(orders) == 1:
        return 0, None
    key = (orders, visiting)
    if key in memo:
        return memo[key]
    if orders in visiting or len(visiting) > 3:
        return None
    visiting = visiting | {orders}
    cols = [c for c, _ in orders]
    qs = [q for _, q in orders]
    best = None
    for js in itertools.permutations(range(1, max_order + 1), len(cols)):
        K = sum(q * j for q, j in zip(qs, js))
        if K > max_order:
            continue
        tangents = tuple(zip(cols, js))
        terms = jet_terms(tangents, K)
        prefactor = terms.pop(tuple(orders))
        cost = 2 ** K  # jet work grows fast with K, and so does cancellation
        for other in terms:
            sub = _cost(other, max_order, visiting, memo)
            if sub is None:
                cost = None
                break
            cost += sub[0]
        if cost is not None and (best is None or cost < best[0]):
            best = (cost, Layout(tangents, K, prefactor,
                                 tuple((c, o) for o, c in sorted(terms.items()))))
    memo[key] = best
    return best


def mixed_layout(orders: tuple[tuple[int, int], ...], max_order: int = MAX_JET_ORDER) -> Layout:
    """The cheapest jet layout that isolates the mixed partial ``orders`` ((col, q), ...).

    Every assignment of distinct tangent orders j_t to the columns is tried. Coefficient
    K = Σ q_t j_t collects one term per multiset (m_t) with Σ m_t j_t = K, each the partial
    Π ∂^{m_t}_{c_t} with count K!/Π m_t!(j_t!)^{m_t} (:func:`jet_terms`). Other terms are
    subtracted: pure ones from the shared pure push, mixed ones through their own layouts
    (recursively, never cyclically). Cost: Σ 2^K over the pushes needed (work and
    cancellation both grow fast with K).

    Raises:
        ValueError: when no layout with K ≤ ``max_order`` resolves.
    """
    best = _cost(tuple(sorted(orders)), max_order, frozenset(), {})
    if best is None:
        raise ValueError(f"no Taylor jet of order <= {max_order} isolates the mixed partial "
                         f"{orders}")
    return best[1]


def _multi_indices(k: int, D: int):
    """Every a ∈ ℕ^D with |a| = k, in decreasing lexicographic order."""
    if D == 1:
        yield (k,)
        return
    for first in range(k, -1, -1):
        for rest in _multi_indices(k - first, D - 1):
            yield (first,) + rest


@dataclass(frozen=True)
class Interpolation:
    """All k-th order partials over D columns from one k-jet (Griewank, Utke & Walther,
    "Evaluating higher derivative tensors by forward propagation of univariate Taylor
    series", Math. Comp. 2000).

    Along the direction a (an integer vector, |a| = k) the k-th coefficient is
    Σ_{|β|=k} k!/β! · a^β · ∂^β u; the directions a range over the same multi-indices as
    β, so the (R × R) system is square, R = C(D+k−1, k), and solvable (its condition
    number stays below 100 for k ≤ 6, D ≤ 4). ``inverse`` maps the R coefficients to the R
    partials; ``row(β)`` is β's row. No partial of lower order contaminates coefficient k
    (higher input tangents are zero), so nothing is subtracted.
    """

    directions: np.ndarray     # (R, D) the a's, also the β's in the same order
    inverse: np.ndarray        # (R, R) float64

    def row(self, beta: tuple[int, ...]) -> int:
        return [tuple(int(v) for v in b) for b in self.directions].index(beta)


@functools.lru_cache(maxsize=None)
def interpolation(k: int, D: int) -> Interpolation:
    """The :class:`Interpolation` for order k over D columns (cached: pure data)."""
    a = np.array(list(_multi_indices(k, D)), dtype=np.int64)
    fact = np.array([math.factorial(k) // math.prod(math.factorial(int(q)) for q in b)
                     for b in a], dtype=np.float64)
    system = fact[None, :] * np.prod(a[:, None, :].astype(np.float64) ** a[None, :, :], axis=2)
    return Interpolation(a, np.linalg.inv(system))


def _design(v: list) -> tuple[torch.Tensor, float]:
    v = torch.tensor(v, dtype=torch.float64)
    v = v / v.norm(dim=1, keepdim=True)
    D = v.shape[1]
    return v, D * (D + 2) / (3 * len(v))


_PHI = (1 + 5 ** 0.5) / 2
_DESIGNS = {   # antipodal spherical 4-designs: unit axes and the weight of each 4-jet
    2: _design([[math.cos(m * math.pi / 3), math.sin(m * math.pi / 3)] for m in range(3)]),
    3: _design([[0, 1, _PHI], [0, -1, _PHI], [1, _PHI, 0], [-1, _PHI, 0],
                [_PHI, 0, 1], [_PHI, 0, -1]]),
}


class TaylorEngine:
    """A derivative engine: ``engine(model, x, requests, *, generator=None)``.

    Args:
        directions: random directions per Laplacian/bilaplacian (|J| or R); ``None``: exact.
            When it reaches the number of directions of the exact form (d for Δ, d² for
            Δ²), the sum is computed exactly.
        sparse: Laplacian over sampled coordinate vectors (True) or dense random vectors.
        distribution: dense tangents, ``rademacher`` or ``gaussian``.
        seed: seeds the engine's own generator (its state is checkpointed by the trainer).
        nested: request keys (:func:`.choice.choice_key`) handed to nested autodiff;
            default: the table measured on the CPU for the exact engine, on the CPU only
            (on an H200 the jets were faster for every request: docs/throughput.md),
            none for STDE.
    """

    def __init__(self, directions: int | None = None, sparse: bool = True,
                 distribution: str = "rademacher", seed: int = 0,
                 nested: frozenset | None = None):
        self.directions = directions
        # Exact engine: requests measured faster by nested autodiff go there (choice.py).
        self.nested = (NESTED_FASTER if directions is None else frozenset()) \
            if nested is None else nested
        self.cpu_only = nested is None   # the measured table is the CPU's
        self.sparse = sparse
        self.distribution = distribution
        self.generator = torch.Generator().manual_seed(seed)
        self._recorded: list | None = None   # see draws_ahead()
        self._ready: list | None = None

    def layout(self, orders) -> Interpolation:
        """The shared k-jet that yields the mixed partial ``orders`` (k = its order).

        Raises:
            ValueError: above order MAX_JET_ORDER.
        """
        k = sum(q for _, q in orders)
        if k > MAX_JET_ORDER or len(orders) > MAX_JET_ORDER:
            raise ValueError(f"no Taylor jet of order <= {MAX_JET_ORDER} gives the mixed "
                             f"partial {orders} (order {k})")
        return interpolation(k, len(orders))

    def _mixed(self, model, x, k: int, wanted: list) -> tuple[Jet, dict]:
        """Push the k-jets along every direction a = Σ a_c e_c (|a| = k, c over the columns
        of ``wanted``) and solve for the wanted partials: {(field, orders): (n,)}."""
        n, d = x.shape
        cols = sorted({c for orders in wanted for c, _ in orders})
        plan = interpolation(k, len(cols))
        v = torch.zeros(len(plan.directions), 1, d, dtype=torch.float64)
        v[:, 0, cols] = torch.as_tensor(plan.directions, dtype=torch.float64)
        out = push(model, Jet.input(x, [v.to(dtype=x.dtype, device=x.device)]
                                    + [None] * (k - 1)))
        top = out.coefs[-1]                                  # (R, n, F)
        rows = [plan.row(tuple(dict(orders).get(c, 0) for c in cols)) for orders in wanted]
        solve = torch.as_tensor(plan.inverse[rows], dtype=x.dtype, device=x.device)
        found = torch.tensordot(solve, top.expand(-1, n, -1), dims=([1], [0]))  # (m, n, F)
        return out, {(f, orders): found[i, :, f] for i, orders in enumerate(wanted)
                     for f in range(top.shape[-1])}

    # -- random tangents ----------------------------------------------------------------------
    # A torch.Generator cannot enter a compiled graph: dynamo breaks the graph at every draw
    # and runs the frame around it eagerly. So a compiled loss takes its tangents from a list
    # drawn just before it runs, by the same generator and in the same order as the eager
    # loss would draw them (same random stream, same results): recording() lists the draws
    # of one eager call, draws_ahead() makes them for the next compiled call.
    @contextlib.contextmanager
    def recording(self):
        """Within the block, every random draw is also listed; yields the list."""
        self._recorded = []
        try:
            yield self._recorded
        finally:
            self._recorded = None

    @contextlib.contextmanager
    def draws_ahead(self, recorded: list):
        """Within the block, draws made while torch compiles (traces) the loss are taken, in
        order, from fresh draws of ``recorded``; outside tracing they are drawn as usual."""
        self._ready = [make() for make in recorded]
        try:
            yield
        finally:
            self._ready = None

    def _draw(self, make: Callable[[], torch.Tensor]) -> torch.Tensor:
        if self._ready and torch.compiler.is_compiling():
            return self._ready.pop(0)
        if self._recorded is not None:
            self._recorded.append(make)
        return make()

    def _coordinates(self, start: int, stop: int, gen: torch.Generator, device) -> torch.Tensor:
        """|J| coordinates of [start, stop) drawn uniformly without replacement."""
        return self._draw(lambda: self._draw_coordinates(start, stop, gen, device))

    def _draw_coordinates(self, start: int, stop: int, gen: torch.Generator, device
                          ) -> torch.Tensor:
        D, R = stop - start, self.directions
        if D > 64 * R:  # rejection: collisions are rare, and no O(D) permutation per step
            while True:
                j = torch.randint(D, (R,), generator=gen)
                if len(torch.unique(j)) == R:
                    break
        else:
            j = torch.randperm(D, generator=gen)[:R]
        return (j + start).to(device)

    def _random_vectors(self, R: int, start: int, stop: int, d: int, gen, dtype, device,
                        gaussian: bool) -> torch.Tensor:
        """(R, 1, d) vectors, random on [start, stop) and zero elsewhere."""
        return self._draw(lambda: self._draw_vectors(R, start, stop, d, gen, dtype, device,
                                                     gaussian))

    def _draw_vectors(self, R, start, stop, d, gen, dtype, device, gaussian) -> torch.Tensor:
        v = torch.zeros(R, 1, d, dtype=dtype)
        if gaussian:
            v[:, 0, start:stop] = torch.randn(R, stop - start, generator=gen, dtype=dtype)
        else:
            signs = torch.randint(0, 2, (R, stop - start), generator=gen)
            v[:, 0, start:stop] = (2 * signs - 1).to(dtype)
        return v.to(device)

    def _exact(self, D: int) -> bool:
        return self.directions is None or self.directions >= D

    # -- the engine ---------------------------------------------------------------------------
    def __call__(self, model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                 requests: Iterable[Request], *, generator: torch.Generator | None = None
                 ) -> dict[Request, torch.Tensor]:
        requests = set(list(requests))   # set(a set argument) trips torch 2.11's dynamo
        table = self.nested if x.device.type == "cpu" or not self.cpu_only else frozenset()
        slow = {r for r in requests if nested_faster(r, table)} if table else ()
        if not slow:
            return self._jets(model, x, requests, generator)
        # Field values and first derivatives come with the nested pass for free.
        rest = {r for r in requests - slow if choice_key(r) is not None}
        out = autodiff(model, x, requests - rest, generator=generator)
        if rest:
            out.update(self._jets(model, x, rest, generator))
        return out

    def _jets(self, model, x, requests, generator) -> dict[Request, torch.Tensor]:
        gen = generator or self.generator
        n, d = x.shape
        dtype, device = x.dtype, x.device
        pure: dict[int, int] = {}           # column -> highest order needed
        mixed: dict[int, set] = {}          # order -> mixed partials' orders of that order
        for req in requests:
            if isinstance(req, Partial) and len(req.orders) == 1:
                col, k = req.orders[0]
                pure[col] = max(pure.get(col, 0), k)
            elif isinstance(req, Partial) and req.orders:
                mixed.setdefault(req.order, set()).add(req.orders)
        results: dict[Request, torch.Tensor] = {}
        value = None

        def take(c: torch.Tensor, r: int, field: int) -> torch.Tensor:
            return c[r, :, field].expand(n)

        # pure partials: one push, column c_r along e_{c_r}
        partials: dict[tuple[int, tuple], torch.Tensor] = {}   # (field, orders) -> (n,)
        if pure:
            cols = sorted(pure)
            K = max(pure.values())
            idx = torch.tensor(cols, device=device)
            ones = torch.ones(len(cols), dtype=dtype, device=device)
            # When one column alone needs the top order (Burgers: u_xx beside u_t), the
            # top coefficient is collapsed onto it: one (1, n, F) block through every
            # layer instead of one per column, the others' top orders never computed.
            tops = [r for r, col in enumerate(cols) if pure[col] == K]
            weights = None
            if K >= 2 and len(cols) > 1 and len(tops) == 1:
                weights = torch.zeros(len(cols), dtype=dtype, device=device)
                weights[tops[0]] = 1
            out = push(model, Jet.input(x, [Sparse(idx, ones)] + [None] * (K - 1),
                                        weights=weights))
            value = out.value
            for r, col in enumerate(cols):
                for k in range(1, pure[col] + 1):
                    row = 0 if weights is not None and k == K else r
                    for f in range(out.value.shape[1]):
                        partials[(f, ((col, k),))] = take(out.coefs[k - 1], row, f)
        # mixed partials: every one of order k from one shared k-jet (interpolation)
        for k, wanted in sorted(mixed.items()):
            out, found = self._mixed(model, x, k, sorted(wanted))
            value = out.value
            partials.update(found)
        for req in requests:
            if isinstance(req, Partial) and req.orders:
                results[req] = partials[(req.field, req.orders)]
        # Laplacians and bilaplacians: one collapsed push per (kind, coordinate block)
        blocks: dict[tuple, list[Request]] = {}
        for req in requests:
            if isinstance(req, (Laplacian, Bilaplacian)):
                blocks.setdefault((type(req).__name__, req.start, req.stop, 0), []).append(req)
            elif isinstance(req, DiagonalSum):
                blocks.setdefault(("DiagonalSum", req.start, req.stop, req.order), []).append(req)
        # Sorted by text (deterministic, and torch.compile can sort strings, not tuples).
        for (kind, start, stop, order), reqs in sorted(blocks.items(), key=lambda kv: repr(kv[0])):
            if kind == "Laplacian":
                jet = self._laplacian_jet(x, start, stop, gen)
            elif kind == "Bilaplacian":
                jet = self._bilaplacian_jet(x, start, stop, gen)
            else:
                jet = self._diagonal_jet(x, start, stop, order, gen)
            out = push(model, jet)
            value = out.value
            for req in reqs:
                results[req] = take(out.coefs[-1], 0, req.field)
        for req in requests:
            if isinstance(req, Partial) and not req.orders:
                if value is None:
                    value = model(x)
                    value = value[:, None] if value.dim() == 1 else value
                results[req] = value[:, req.field]
        return results

    def _laplacian_jet(self, x, start, stop, gen) -> Jet:
        n, d = x.shape
        D = stop - start
        dtype, device = x.dtype, x.device
        if self._exact(D):
            cols = torch.arange(start, stop, device=device)
            ones = torch.ones(D, dtype=dtype, device=device)
            return Jet.input(x, [Sparse(cols, ones), None], weights=ones)
        R = self.directions
        if self.sparse:
            cols = self._coordinates(start, stop, gen, device)
            ones = torch.ones(R, dtype=dtype, device=device)
            return Jet.input(x, [Sparse(cols, ones), None], weights=ones * (D / R))
        v = self._random_vectors(R, start, stop, d, gen, dtype, device,
                                 self.distribution == "gaussian")
        return Jet.input(x, [v, None], weights=torch.full((R,), 1 / R, dtype=dtype,
                                                          device=device))

    def _diagonal_jet(self, x, start, stop, order, gen) -> Jet:
        """Σ_c ∂ᵏ_c u: collapsed k-jets along e_c, every c (exact) or |J| sampled without
        replacement and scaled D/|J| (eq. 17; dense tangents cannot do this for k ≥ 3)."""
        D = stop - start
        dtype, device = x.dtype, x.device
        if order == 1:  # Σ_c ∂_c u is one directional derivative: exact, one direction
            v = torch.zeros(1, 1, x.shape[1], dtype=dtype, device=device)
            v[..., start:stop] = 1
            return Jet.input(x, [v])
        if self._exact(D):
            cols, scale = torch.arange(start, stop, device=device), 1.0
        else:
            cols, scale = self._coordinates(start, stop, gen, device), D / self.directions
        ones = torch.ones(len(cols), dtype=dtype, device=device)
        return Jet.input(x, [Sparse(cols, ones)] + [None] * (order - 1), weights=ones * scale)

    def _bilaplacian_jet(self, x, start, stop, gen) -> Jet:
        n, d = x.shape
        D = stop - start
        dtype, device = x.dtype, x.device
        if D in (2, 3) and self._exact(len(_DESIGNS[D][0])):
            # Fewer directions than polarisation (3 instead of 4, 6 instead of 9): an
            # antipodal spherical 4-design {v_r} averages (v·∇)⁴ exactly to its mean over
            # the unit sphere, 3Δ²/(D(D+2)), so Δ²u = D(D+2)/(3R) Σ_r ∂⁴_{v_r} u.
            # D = 2: three axes 60° apart; D = 3: the six axes of the icosahedron.
            v, w = _DESIGNS[D]
            dirs = torch.zeros(len(v), 1, d, dtype=torch.float64)
            dirs[:, 0, start:stop] = v
            return Jet.input(x, [dirs.to(dtype=dtype, device=device), None, None, None],
                             weights=torch.full((len(v),), w, dtype=dtype, device=device))
        if self._exact(D * D):   # the exact form needs D² directions
            # Δ²u = Σ_i ∂⁴_i u + 2 Σ_{i<j} ∂²_i∂²_j u, and by polarisation
            # 12 ∂²_i∂²_j u = ∂⁴_{e_i+e_j} u + ∂⁴_{e_i−e_j} u − 2 ∂⁴_i u − 2 ∂⁴_j u.
            eye = torch.eye(d, dtype=dtype)[start:stop]
            vs = [eye]
            pairs = [(i, j) for i in range(D) for j in range(i + 1, D)]
            if pairs:
                a = torch.tensor([p[0] for p in pairs])
                b = torch.tensor([p[1] for p in pairs])
                vs += [eye[a] + eye[b], eye[a] - eye[b]]
            v = torch.cat(vs)[:, None, :].to(device)
            w = torch.cat([torch.full((D,), 1 - (D - 1) / 3, dtype=dtype),
                           torch.full((2 * len(pairs),), 1 / 6, dtype=dtype)]).to(device)
            return Jet.input(x, [v, None, None, None], weights=w)
        # Gaussian 4-jets: E[∂⁴u(v, 0, 0, 0)] = E[(vᵀ∇)⁴u] = 3 Δ²u for v ~ N(0, I).
        R = self.directions
        v = self._random_vectors(R, start, stop, d, gen, dtype, device, gaussian=True)
        return Jet.input(x, [v, None, None, None],
                         weights=torch.full((R,), 1 / (3 * R), dtype=dtype, device=device))
