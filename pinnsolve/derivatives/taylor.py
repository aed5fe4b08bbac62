"""Taylor-mode forward differentiation: K-jets pushed through a network.

A K-jet of a curve g(t) = x + Σ_j v⁽ʲ⁾ tʲ/j! carries, for each point and each of R input
directions, the derivatives (d/dt)^k F(g(t)) at t = 0 for k = 1..K (the *derivative*
convention of JAX ``jet``). With v⁽¹⁾ = v and higher tangents zero, coefficient 2 is
vᵀ∇²F v and coefficient k the k-th directional derivative. Elementwise functions compose
by Faà di Bruno's formula summed over set partitions of {1..k}; products by Leibniz' rule;
linear maps act on every coefficient (Shi et al., "Stochastic Taylor Derivative
Estimator", NeurIPS 2024, §3 and eq. 43).

**Collapsed** jets (Dangel et al., "Collapsing Taylor Mode Automatic Differentiation",
NeurIPS 2025) carry only the weighted sum Σ_r w_r F_K[r] of the highest coefficient: it
enters Faà di Bruno linearly, so lower coefficients stay per direction and the top one is
one tensor. For the exact Laplacian (2-jets along every e_i) this is the forward
Laplacian.

Shapes: ``value`` (n, F); ``coefs[k-1]`` the k-th coefficient, (R, n, F) or (R, 1, F)
when it is the same for every point (input tangents shared by all points, after a linear
layer), or ``None`` when it is zero; a collapsed top coefficient has R = 1. At the input,
a coefficient may be a :class:`Sparse` set of scaled coordinate vectors, which a linear
layer turns into a gather of weight columns: that is what makes sparse STDE cost nearly
independent of the input dimension.

Models support jets by offering ``jet(self, j: Jet) -> Jet`` written with the methods
below (duck typing: models never import this module). :func:`push` falls back to nested
``torch.func.jvp`` for any other callable.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
import torch

Coef = torch.Tensor | None


@dataclass(frozen=True)
class Sparse:
    """Input tangents ``scale[r] · e_{cols[r]}``, the same for every point.

    Shapes: ``cols`` (R,) long, ``scale`` (R,).
    """

    cols: torch.Tensor
    scale: torch.Tensor

    def dense(self, d: int) -> torch.Tensor:
        """(R, 1, d) dense form."""
        out = self.scale.new_zeros(len(self.cols), 1, d)
        out[torch.arange(len(self.cols), device=self.cols.device), 0, self.cols] = self.scale
        return out


def partitions(k: int) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Set partitions of {1..k} grouped by block sizes (a table up to order 12: a plain
    lookup, which torch.compile traces without the warning an lru_cache call gives)."""
    return PARTITIONS[k] if k in PARTITIONS else _partitions(k)


def _partitions(k: int) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Set partitions of {1..k} grouped by block sizes: ``((count, sizes), ...)``.

    ``count = k! / Π_s (m_s! (s!)^{m_s})`` is the number of set partitions whose block sizes
    are ``sizes`` (sizes in decreasing order, m_s the multiplicity of size s).
    """
    out = []

    def integer_partitions(n, largest):
        if n == 0:
            yield ()
            return
        for s in range(min(n, largest), 0, -1):
            for rest in integer_partitions(n - s, s):
                yield (s,) + rest

    for sizes in integer_partitions(k, k):
        denom = 1
        for s in set(sizes):
            m = sizes.count(s)
            denom *= math.factorial(m) * math.factorial(s) ** m
        out.append((math.factorial(k) // denom, sizes))
    return tuple(out)


PARTITIONS = {k: _partitions(k) for k in range(1, 13)}


# -- derivatives of elementwise functions ---------------------------------------------------
@lru_cache(maxsize=None)
def _poly_derivatives(p0: tuple[float, ...], dp: tuple[float, ...], order: int
                      ) -> tuple[np.ndarray, ...]:
    """Polynomials P_n with f⁽ⁿ⁾ = P_n(f) when f' = dp(f) (tanh: dp = 1 − f², sigmoid:
    f − f²); coefficient arrays in increasing powers."""
    polys = [np.array(p0, dtype=float)]
    for _ in range(order):
        polys.append(np.polynomial.polynomial.polymul(
            np.polynomial.polynomial.polyder(polys[-1]), dp))
    return tuple(polys)


def _horner(coeffs: np.ndarray, t: torch.Tensor, t2: torch.Tensor) -> torch.Tensor:
    """P(t). Polynomials with only odd or only even powers (tanh's) are evaluated in t²
    with half the operations; each step is one fused multiply-add."""
    nz = np.flatnonzero(coeffs)
    if len(nz) and (nz % 2 == nz[0] % 2).all():
        parity = int(nz[0] % 2)
        c = coeffs[parity::2]
        out = torch.full_like(t, float(c[-1])) if len(c) == 1 else \
            torch.add(torch.full_like(t, float(c[-2])), t2, alpha=float(c[-1]))
        for a in c[-3::-1]:
            out = torch.addcmul(torch.full_like(t, float(a)), out, t2) if a else out * t2
        return out * t if parity else out
    out = torch.full_like(t, float(coeffs[-1]))
    for a in coeffs[-2::-1]:
        out = out * t + float(a)
    return out


def _tanh(z, order):
    # Closed forms with s = 1 - t^2 up to order 4 (the hot path: 2-jets and 4-jets), then
    # the polynomial recurrence: f2 = -2ts, f3 = s(6t^2 - 2), f4 = ts(16 - 24t^2).
    t = torch.tanh(z)
    if order == 0:
        return [t]
    t2 = t * t
    s = 1 - t2
    out = [t, s]
    if order >= 2:
        ts = t * s
        out.append(-2 * ts)
    if order >= 3:
        out.append(s * (6 * t2 - 2))
    if order >= 4:
        out.append(ts * (16 - 24 * t2))
    if order < 5:   # no numpy recurrence on the hot path (torch.compile would break there)
        return out
    polys = _poly_derivatives((0, 1), (1, 0, -1), order)
    return out + [_horner(p, t, t2) for p in polys[5:]]


def _sigmoid(z, order):
    s = torch.sigmoid(z)
    s2 = s * s
    return [s] + [_horner(p, s, s2) for p in _poly_derivatives((0, 1), (0, 1, -1), order)[1:]]


def _sin(z, order):
    s, c = torch.sin(z), torch.cos(z)
    return [(s, c, -s, -c)[k % 4] for k in range(order + 1)]


def _cos(z, order):
    s, c = torch.sin(z), torch.cos(z)
    return [(c, -s, -c, s)[k % 4] for k in range(order + 1)]


def _exp(z, order):
    e = torch.exp(z)
    return [e] * (order + 1)


def _log(z, order):
    # log⁽ᵏ⁾(z) = (−1)ᵏ⁻¹ (k − 1)! / zᵏ
    r = 1 / z
    out, p = [torch.log(z)], r
    for k in range(1, order + 1):
        out.append((-1) ** (k - 1) * math.factorial(k - 1) * p)
        p = p * r
    return out


def _recip(z, order):
    # (1/z)⁽ᵏ⁾ = (−1)ᵏ k! / zᵏ⁺¹
    r = 1 / z
    out, p = [], r
    for k in range(order + 1):
        out.append((-1) ** k * math.factorial(k) * p)
        p = p * r
    return out


def _softplus(z, order):
    # torch's softplus is linear above 20; its derivatives there differ from σ by < 3e-9.
    return [torch.nn.functional.softplus(z)] + _sigmoid(z, order - 1)


def _times_z(g: list[torch.Tensor], z: torch.Tensor, f0: torch.Tensor) -> list[torch.Tensor]:
    """Derivatives of z·g(z): (z g)⁽ⁿ⁾ = z g⁽ⁿ⁾ + n g⁽ⁿ⁻¹⁾."""
    return [f0] + [z * g[n] + n * g[n - 1] for n in range(1, len(g))]


def _silu(z, order):
    return _times_z(_sigmoid(z, order), z, torch.nn.functional.silu(z))


def _gelu(z, order):
    # gelu = z Φ(z); Φ⁽ᵐ⁾ = φ⁽ᵐ⁻¹⁾ with φ⁽ʲ⁾ = (−1)ʲ Heⱼ(z) φ(z) (probabilists' Hermite).
    phi = torch.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    he = [torch.ones_like(z), z]
    for j in range(1, order):
        he.append(z * he[j] - j * he[j - 1])
    cdf = 0.5 * (1 + torch.erf(z / math.sqrt(2)))
    big_phi = [cdf] + [(-1) ** (m - 1) * he[m - 1] * phi for m in range(1, order + 1)]
    return _times_z(big_phi, z, torch.nn.functional.gelu(z))


DERIVATIVES: dict[str, Callable[[torch.Tensor, int], list[torch.Tensor]]] = {
    "tanh": _tanh, "sigmoid": _sigmoid, "sin": _sin, "cos": _cos, "exp": _exp,
    "softplus": _softplus, "silu": _silu, "gelu": _gelu, "log": _log, "recip": _recip,
}


# -- the jet ----------------------------------------------------------------------------------
class Jet:
    """Value and Taylor coefficients of a (n, F) quantity along R input directions.

    Args:
        value: (n, F).
        coefs: K entries, each a tensor (R, n|1, F), a :class:`Sparse` (inputs only) or None.
        weights: (R,) weights of the collapsed top coefficient, or None when the top
            coefficient is kept per direction.
    """

    def __init__(self, value: torch.Tensor, coefs: Sequence, weights: torch.Tensor | None = None):
        self.value = value
        self.coefs = list(coefs)
        self.weights = weights

    # construction ---------------------------------------------------------------------------
    @classmethod
    def input(cls, x: torch.Tensor, tangents: Sequence, *, weights: torch.Tensor | None = None
              ) -> "Jet":
        """The jet of the input curve x + Σ v⁽ʲ⁾ tʲ/j!.

        Args:
            x: (n, d) points.
            tangents: K entries v⁽¹⁾..v⁽ᴷ⁾: (R, n|1, d) tensors, :class:`Sparse`, or None.
            weights: collapse the K-th coefficient with these (R,) weights (None: don't).
        """
        if weights is not None and tangents[-1] is not None:
            raise ValueError("a collapsed jet needs a zero top input tangent")
        return cls(x, tangents, weights)

    @property
    def order(self) -> int:
        return len(self.coefs)

    @property
    def collapsed(self) -> bool:
        return self.weights is not None

    def _dense(self, c):
        return c.dense(self.value.shape[-1]).to(self.value.dtype) if isinstance(c, Sparse) else c

    def densified(self) -> "Jet":
        return Jet(self.value, [self._dense(c) for c in self.coefs], self.weights)

    def _wsum(self, t: torch.Tensor) -> torch.Tensor:
        """Σ_r w_r t[r] keeping a leading axis of 1 (one contraction, no temporary)."""
        w = self.weights.to(t.dtype)
        if t.shape[0] != len(w):
            t = t.expand(len(w), *t.shape[1:])
        return torch.tensordot(w, t, dims=([0], [0]))[None]

    # linear operations ----------------------------------------------------------------------
    def linear(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> "Jet":
        """y = x Wᵀ + b. Sparse tangents become gathered weight columns (R, 1, out)."""
        value = torch.nn.functional.linear(self.value, weight, bias)
        coefs = []
        for c in self.coefs:
            if c is None:
                coefs.append(None)
            elif isinstance(c, Sparse):
                coefs.append((weight[:, c.cols].T * c.scale[:, None].to(weight.dtype))[:, None, :])
            else:
                coefs.append(torch.matmul(c, weight.T))
        return Jet(value, coefs, self.weights)

    def affine(self, scale: torch.Tensor | float, shift: torch.Tensor | float = 0.0) -> "Jet":
        """y = scale · x + shift, featurewise (scale (F,) or scalar)."""
        if isinstance(scale, (int, float)) and scale == 1 and \
                isinstance(shift, (int, float)) and shift == 0:
            return self
        coefs = []
        for c in self.coefs:
            if isinstance(c, Sparse):
                s = scale[c.cols] if isinstance(scale, torch.Tensor) and scale.dim() else scale
                coefs.append(Sparse(c.cols, c.scale * s))
            else:
                coefs.append(None if c is None else c * scale)
        return Jet(self.value * scale + shift, coefs, self.weights)

    def select(self, cols: Sequence[int]) -> "Jet":
        """Features ``cols`` (a plain index list: decided in Python, where a test of a
        tensor's values would break a compiled graph)."""
        cols = [int(c) for c in cols]
        if cols == list(range(self.value.shape[-1])):
            return self
        cols = torch.as_tensor(cols, dtype=torch.long, device=self.value.device)
        coefs = [None if c is None else self._dense(c)[..., cols] for c in self.coefs]
        return Jet(self.value[..., cols], coefs, self.weights)

    def cat(self, others: Sequence["Jet"]) -> "Jet":
        """Concatenate features with other jets of the same directions."""
        jets = [self] + list(others)
        value = torch.cat([j.value for j in jets], dim=-1)
        coefs = []
        for k in range(self.order):
            cs = [j._dense(j.coefs[k]) for j in jets]
            if all(c is None for c in cs):
                coefs.append(None)
                continue
            shape = torch.broadcast_shapes(*[c.shape[:-1] for c in cs if c is not None])
            cs = [torch.zeros(*shape, j.value.shape[-1], dtype=value.dtype, device=value.device)
                  if c is None else c.expand(*shape, c.shape[-1]) for c, j in zip(cs, jets)]
            coefs.append(torch.cat(cs, dim=-1))
        return Jet(value, coefs, self.weights)

    def __add__(self, other) -> "Jet":
        if not isinstance(other, Jet):
            return Jet(self.value + other, self.coefs, self.weights)
        coefs = [a if b is None else b if a is None else self._dense(a) + other._dense(b)
                 for a, b in zip(self.coefs, other.coefs)]
        return Jet(self.value + other.value, coefs, self.weights)

    __radd__ = __add__

    def __neg__(self) -> "Jet":
        return self.affine(-1.0)

    def __sub__(self, other) -> "Jet":
        return self + (-other if isinstance(other, Jet) else -other)

    def __rsub__(self, other) -> "Jet":
        return (-self) + other

    # nonlinear operations -------------------------------------------------------------------
    def __mul__(self, other) -> "Jet":
        """Product by Leibniz: (ab)_k = Σ_i C(k, i) a_i b_{k−i}."""
        if not isinstance(other, Jet):
            return self.affine(other)
        a = [self.value] + [self._dense(c) for c in self.coefs]
        b = [other.value] + [other._dense(c) for c in other.coefs]
        K = self.order
        coefs = []
        for k in range(1, K + 1):
            top = self.collapsed and k == K
            total = None
            for i in range(k + 1):
                if a[i] is None or b[k - i] is None:
                    continue
                if top and 0 < i < k:
                    term = self._wsum(a[i] * b[k - i])
                    term = term if math.comb(k, i) == 1 else math.comb(k, i) * term
                    total = term if total is None else total + term
                elif total is None:
                    total = a[i] * b[k - i] if math.comb(k, i) == 1 else \
                        math.comb(k, i) * (a[i] * b[k - i])
                else:
                    total = torch.addcmul(total, a[i], b[k - i], value=math.comb(k, i))
            coefs.append(total)
        return Jet(self.value * other.value, coefs, self.weights)

    __rmul__ = __mul__

    def map(self, name: str) -> "Jet":
        """Elementwise function ``name`` ∈ DERIVATIVES, by Faà di Bruno."""
        K = self.order
        d = DERIVATIVES[name](self.value, K)
        c = [None] + [self._dense(x) for x in self.coefs]
        powers: dict[tuple[int, int], torch.Tensor] = {}

        def power(s: int, m: int) -> torch.Tensor:
            """c_s^m, built from cached lower powers (c1² serves c1³ and c1⁴)."""
            if m == 1:
                return c[s]
            if (s, m) not in powers:
                half = power(s, m // 2)
                sq = half * half
                powers[(s, m)] = sq if m % 2 == 0 else sq * c[s]
            return powers[(s, m)]

        coefs = []
        for k in range(1, K + 1):
            top = self.collapsed and k == K
            total = None
            for count, sizes in partitions(k):
                if any(c[s] is None for s in sizes):
                    continue
                prod = None
                for s in sorted(set(sizes)):
                    p = power(s, sizes.count(s))
                    prod = p if prod is None else prod * p
                if top and len(sizes) > 1:
                    prod = self._wsum(prod)
                if total is None:
                    total = d[len(sizes)] * prod if count == 1 else \
                        (count * d[len(sizes)]) * prod
                else:
                    total = torch.addcmul(total, d[len(sizes)], prod, value=count)
            coefs.append(total)
        return Jet(d[0], coefs, self.weights)

    def sum_squares(self, cols: Sequence[int] | None = None) -> "Jet":
        """Σ_c x_c² over features ``cols`` (all by default), a (n, 1) jet."""
        j = self if cols is None else self.select(cols)
        if all(not isinstance(c, Sparse) for c in j.coefs):
            sq = j * j
            return Jet(sq.value.sum(-1, keepdim=True),
                       [None if c is None else c.sum(-1, keepdim=True) for c in sq.coefs],
                       j.weights)
        # Sparse tangents: (x·x)_k = Σ_i C(k, i) x_i·x_{k−i}, with x_i·e_c a column read.
        comps = [j.value] + list(j.coefs)
        K = j.order

        def dot(p, q):
            if p is None or q is None:
                return None
            if isinstance(p, Sparse) and isinstance(q, Sparse):
                same = (p.cols[:, None] == q.cols[None, :]).to(p.scale.dtype)
                return (p.scale[:, None] * same * q.scale[None, :]).diagonal()[:, None, None]
            if isinstance(q, Sparse):
                p, q = q, p
            if isinstance(p, Sparse):
                if q.dim() == 2:  # the value (n, d)
                    return (q[:, p.cols].T * p.scale[:, None])[..., None]
                rows = torch.arange(len(p.cols), device=p.cols.device)
                return (q[rows, :, p.cols] * p.scale[:, None])[..., None]
            return (p * q).sum(-1, keepdim=True)

        coefs = []
        for k in range(1, K + 1):
            total = None
            for i in range(k + 1):
                term = dot(comps[i], comps[k - i])
                if term is None:
                    continue
                term = math.comb(k, i) * term
                if j.collapsed and k == K and 0 < i < k:
                    term = j._wsum(term)
                total = term if total is None else total + term
            coefs.append(total)
        return Jet((j.value * j.value).sum(-1, keepdim=True), coefs, j.weights)

    def generic(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> "Jet":
        """The jet of ``fn(x)`` for this *input* jet, by nested ``torch.func.jvp``
        (any differentiable callable; cost grows as 2^K per direction)."""
        return push_generic(fn, self)

    def static(self, fn: Callable[[torch.Tensor], torch.Tensor], cache: dict,
               name: str = "") -> "Jet":
        """:meth:`generic` for a function of the inputs alone, reused from ``cache`` while
        the points and tangents repeat (:func:`push_static`)."""
        return push_static(fn, self, cache, name)


# -- pushing jets through a model ------------------------------------------------------------
def _directions(coefs: Sequence) -> int:
    for c in coefs:
        if c is not None:
            return len(c.cols) if isinstance(c, Sparse) else c.shape[0]
    return 1


def push_generic(fn: Callable[[torch.Tensor], torch.Tensor], j: Jet) -> Jet:
    """Taylor coefficients of fn along the input jet ``j`` by nested forward-mode AD.

    d^k/dt^k fn(x + Σ v⁽ⁱ⁾ tⁱ/i!) at t = 0, one direction at a time. Output (n, m).
    """
    x = j.value
    dense = j.densified()
    K = j.order
    R = _directions(j.coefs)
    value = fn(x)
    if value.dim() == 1:
        value = value[:, None]
    per_dir: list[list[torch.Tensor]] = [[] for _ in range(K)]
    for r in range(R):
        vs = [None if c is None else c[r if c.shape[0] > 1 else 0].expand_as(x)
              for c in dense.coefs]

        def curve(t, vs=vs):
            point = x
            for i, v in enumerate(vs, start=1):
                if v is not None:
                    point = point + v * (t ** i / math.factorial(i))
            out = fn(point)
            return out if out.dim() == 2 else out[:, None]

        derivs = [curve]
        for _ in range(K):
            prev = derivs[-1]
            derivs.append(lambda t, prev=prev: torch.func.jvp(prev, (t,), (torch.ones_like(t),))[1])
        t0 = torch.zeros((), dtype=x.dtype, device=x.device)
        for k in range(1, K + 1):
            per_dir[k - 1].append(derivs[k](t0))
    coefs = [torch.stack(c) for c in per_dir]
    if j.collapsed:
        coefs[-1] = j._wsum(coefs[-1])
    return Jet(value, coefs, j.weights)


def _tangent_key(j: Jet) -> tuple | None:
    """A content key of an input jet's tangents and weights, or None when they are too big
    to key cheaply (per-point tangents)."""
    key = []
    for c in list(j.coefs) + [j.weights]:
        if c is None:
            key.append(None)
        elif isinstance(c, Sparse):
            key.append((tuple(c.cols.tolist()), tuple(c.scale.tolist())))
        elif c.numel() <= 4096 and (c.dim() < 3 or c.shape[1] == 1):
            key.append((tuple(c.shape), c.dtype, tuple(c.reshape(-1).tolist())))
        else:
            return None
    return tuple(key)


STATIC_SETS = 16   # point sets whose static jets are kept (regions of one loss)


def push_static(fn: Callable[[torch.Tensor], torch.Tensor], j: Jet, cache: dict,
                name: str = "") -> Jet:
    """:func:`push_generic` for a function of the inputs alone (no parameters: a hard
    constraint's lift or distance), reused while the points and tangents are the same.

    Between resamples every training step pushes the same points along the same tangents,
    and the nested-jvp fallback is Python-bound (functorch decomposes each op in Python:
    measured 60 % of a Taylor Burgers step). ``cache`` (owned by the caller) holds the jets
    of the current points only; it is keyed by the tangents' values, never by identity,
    so random (STDE) tangents simply miss. Points that require grad (samplers climbing
    the residual) are never cached.
    """
    x = j.value
    if torch.compiler.is_compiling():   # value-keyed caching is Python: trace the push instead
        return push_generic(fn, j)
    key = None if x.requires_grad else _tangent_key(j)
    if key is None:
        return push_generic(fn, j)
    # One entry per point set: a step evaluates every region of the loss (the interior, the
    # initial slice, each face), and a cache of one point set emptied itself at each of
    # them (a beam's w_tt + w_xxxx with w_t and w_xx conditions in the loss spent 90 % of
    # its step re-pushing its lift: 0.27 s a step; stop 35).
    sets = cache.setdefault("sets", [])
    entry = next((e for e in sets if e[0] is x and e[1] == x._version), None)
    if entry is None:
        sets[:] = [e for e in sets if e[0] is not x][-(STATIC_SETS - 1):]
        entry = (x, x._version, {})
        sets.append(entry)
    jets = entry[2]
    if len(jets) > 34:   # random tangents: drop old keys, bounded memory
        jets.clear()
    key = (name, key)
    if key not in jets:
        jets[key] = push_generic(fn, j)
    return jets[key]


def push(model: Callable[[torch.Tensor], torch.Tensor], j: Jet) -> Jet:
    """Push an input jet through ``model``: its ``jet`` method if it has one, else nested
    forward-mode AD. Returns the output jet, value (n, m)."""
    jet_method = getattr(model, "jet", None)
    out = jet_method(j) if callable(jet_method) else push_generic(model, j)
    if out.value.dim() == 1:
        out = Jet(out.value[:, None], [None if c is None else c[..., None] for c in out.coefs],
                  out.weights)
    return out
