"""Convection u_t + beta u_x = 0 (x in [0, 2 pi) periodic, u0 = sin x) in plain torch, to
separate the effect of the setup from that of the sampling strategy (docs/sampling.md,
"Convection: why R3 does not get there here").

The defaults are the R3 reference code's setup (Daw et al. 2023): raw (x, t) inputs, torch's
default initialisation, MLP 4x50 tanh, soft initial condition on 512 grid points and soft
periodicity u(0, t) = u(2 pi, t) on 251 times, both weighted 100, 1000 collocation points,
Adam 1e-3 decayed x0.9 every 5000 steps, float32, one thread. Options switch to pinnsolve's
setup (--inputs periodic: cos x, sin x, 2t - 1; --ic hard: u = sin x + t N; --init xavier;
--bc none) and add time harmonics cos/sin(k pi t), k <= --tmodes, random Fourier features,
a supervised fit of the exact solution (--supervised 1: capacity check), an L-BFGS phase
with R3 redraws and the causal gate's settings. Prints JSON lines: relative L2 error on a
256 x 101 grid, losses, causal front and the RMS error at t = 0.1, 0.3, 0.5, 0.75, 1.

Run: .venv/bin/python benchmarks/convection_probe.py --sampler r3 --steps 20000
"""
import argparse
import json
import math
import time
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument("--beta", type=float, default=50)
p.add_argument("--inputs", default="raw")  # raw | norm | periodic
p.add_argument("--modes", type=int, default=1)
p.add_argument("--ic", default="soft")  # soft | hard
p.add_argument("--bc", default="soft")  # soft | none
p.add_argument("--init", default="default")  # default | xavier
p.add_argument("--sampler", default="r3")  # fixed | uniform | r3 | causal
p.add_argument("--alpha", type=float, default=5.0)
p.add_argument("--beta0", type=float, default=-0.5)
p.add_argument("--eta", type=float, default=1e-3)
p.add_argument("--eps", type=float, default=20.0)
p.add_argument("--clip", type=float, default=0.1)
p.add_argument("--n", type=int, default=1000)
p.add_argument("--steps", type=int, default=10000)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--decay_steps", type=int, default=5000)
p.add_argument("--lic", type=float, default=100)
p.add_argument("--lbc", type=float, default=100)
p.add_argument("--width", type=int, default=50)
p.add_argument("--depth", type=int, default=4)
p.add_argument("--seed", type=int, default=1234)
p.add_argument("--eval_every", type=int, default=2500)
p.add_argument("--supervised", type=int, default=0)
p.add_argument("--rff", type=int, default=0)
p.add_argument("--sigma", type=float, default=1.0)
p.add_argument("--tscale", type=float, default=1.0)
p.add_argument("--tmodes", type=int, default=0)
p.add_argument("--gate", default="tanh")
p.add_argument("--lbfgs", type=int, default=0)
p.add_argument("--lbfgs_every", type=int, default=500)
a = p.parse_args()
torch.set_num_threads(1)
torch.manual_seed(a.seed)
TWO_PI = 2 * math.pi

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        d_in = 2 if a.inputs != "periodic" else 1 + 2 * a.modes
        d_in += 2 * a.tmodes
        if a.rff:
            self.register_buffer("B", torch.randn(d_in, a.rff) * a.sigma)
            d_in = 2 * a.rff
        dims = [d_in] + [a.width] * a.depth + [1]
        self.layers = nn.ModuleList(nn.Linear(i, o) for i, o in zip(dims[:-1], dims[1:]))
        if a.init == "xavier":
            for l in self.layers:
                nn.init.xavier_normal_(l.weight); nn.init.zeros_(l.bias)
    def forward(self, x, t):
        if a.inputs == "raw":
            h = torch.cat([x, t], 1)
        elif a.inputs == "norm":
            h = torch.cat([x / math.pi - 1, 2 * t - 1], 1)
        else:
            k = torch.arange(1, a.modes + 1, dtype=x.dtype)
            h = torch.cat([torch.cos(x * k), torch.sin(x * k), a.tscale * (2 * t - 1)], 1)
        if a.tmodes:
            kt = torch.arange(1, a.tmodes + 1, dtype=x.dtype) * math.pi
            h = torch.cat([h, torch.cos(t * kt), torch.sin(t * kt)], 1)
        if a.rff:
            pr = 2 * math.pi * h @ self.B
            h = torch.cat([torch.cos(pr), torch.sin(pr)], 1)
        for l in self.layers[:-1]:
            h = torch.tanh(l(h))
        out = self.layers[-1](h)
        if a.ic == "hard":
            out = torch.sin(x) + t * out
        return out

net = Net()
opt = torch.optim.Adam(net.parameters(), lr=a.lr)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=a.decay_steps, gamma=0.9)

def draw(m):
    return torch.rand(m, 1) * TWO_PI, torch.rand(m, 1)

x_f, t_f = draw(a.n)
x_ic = torch.linspace(0, TWO_PI, 513)[:-1].reshape(-1, 1); t_ic = torch.zeros_like(x_ic)
t_bc = torch.linspace(0, 1, 251).reshape(-1, 1)
xg = torch.linspace(0, TWO_PI, 257)[:-1]; tg = torch.linspace(0, 1, 101)
XX, TT = torch.meshgrid(xg, tg, indexing="ij")
Xe, Te = XX.reshape(-1, 1), TT.reshape(-1, 1)
ue = torch.sin(Xe - a.beta * Te)
gbeta = a.beta0

def gate(t):
    if a.gate == "relu":
        return torch.relu(-torch.tanh(a.alpha * (t - gbeta)))
    return (1 - torch.tanh(a.alpha * (t - gbeta))) / 2

def l2re():
    with torch.no_grad():
        u = net(Xe, Te)
        err = (u - ue).norm() / ue.norm()
        # error by time thirds
        e = ((u - ue) ** 2).reshape(256, 101).mean(0).sqrt()
    return float(err), [round(float(e[i]), 3) for i in (10, 30, 50, 75, 100)]

t0 = time.perf_counter()
hist = []
def full_loss(x_f, t_f, causal):
    x = x_f.clone().requires_grad_(True); t = t_f.clone().requires_grad_(True)
    u = net(x, t)
    ux, ut = torch.autograd.grad(u.sum(), (x, t), create_graph=True)
    r = (ut + a.beta * ux).squeeze(1)
    g = gate(t_f.squeeze(1)) if causal else None
    loss = ((r * g) ** 2).mean() if causal else (r ** 2).mean()
    if a.ic == "soft":
        loss = loss + a.lic * ((net(x_ic, t_ic) - torch.sin(x_ic)) ** 2).mean()
    if a.bc == "soft":
        loss = loss + a.lbc * ((net(torch.zeros_like(t_bc), t_bc) - net(torch.full_like(t_bc, TWO_PI), t_bc)) ** 2).mean()
    return loss, r, g

for it in range(1, a.steps + 1):
    x = x_f.clone().requires_grad_(True); t = t_f.clone().requires_grad_(True)
    u = net(x, t)
    ux, ut = torch.autograd.grad(u.sum(), (x, t), create_graph=True)
    r = (ut + a.beta * ux).squeeze(1)
    if a.supervised:
        r = (u - torch.sin(x - a.beta * t)).squeeze(1) * a.beta
    if a.sampler == "causal":
        g = gate(t_f.squeeze(1))
        loss_f = ((r * g) ** 2).mean()
    else:
        loss_f = (r ** 2).mean()
    loss = loss_f
    if a.ic == "soft":
        loss = loss + a.lic * ((net(x_ic, t_ic) - torch.sin(x_ic)) ** 2).mean()
    if a.bc == "soft":
        loss = loss + a.lbc * ((net(torch.zeros_like(t_bc), t_bc) - net(torch.full_like(t_bc, TWO_PI), t_bc)) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    with torch.no_grad():
        fit = r.detach().abs()
        if a.sampler == "causal":
            fit = fit * g
            gl = float((fit ** 2).mean())
            gbeta += a.eta * min(math.exp(-a.eps * gl), a.clip)
        if a.sampler in ("r3", "causal"):
            keep = fit > fit.mean()
            nx, nt = draw(a.n - int(keep.sum()))
            x_f = torch.cat([x_f[keep], nx]); t_f = torch.cat([t_f[keep], nt])
        elif a.sampler == "uniform":
            x_f, t_f = draw(a.n)
    if it % a.eval_every == 0 or it == a.steps:
        e, prof = l2re()
        rec = dict(step=it, l2re=round(e, 4), loss=float(loss.detach()), lf=float(loss_f.detach()), front=round(gbeta, 3), prof=prof, s=round(time.perf_counter() - t0, 1))
        hist.append(rec)
        print(json.dumps(rec), flush=True)
if a.lbfgs:
    causal = a.sampler == "causal"
    done = 0
    while done < a.lbfgs:
        lb = torch.optim.LBFGS(net.parameters(), lr=1.0, max_iter=a.lbfgs_every, history_size=50, line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=1e-14)
        def closure():
            lb.zero_grad()
            l, _, _ = full_loss(x_f, t_f, causal)
            l.backward()
            return l
        lb.step(closure)
        done += a.lbfgs_every
        l, r, g = full_loss(x_f, t_f, causal)
        if a.sampler in ("r3", "causal"):
            fit = r.detach().abs() * (g if g is not None else 1)
            keep = fit > fit.mean()
            nx, nt = draw(a.n - int(keep.sum()))
            x_f = torch.cat([x_f[keep], nx]); t_f = torch.cat([t_f[keep], nt])
        elif a.sampler == "uniform":
            x_f, t_f = draw(a.n)
        e, prof = l2re()
        rec = dict(step=a.steps + done, l2re=round(e, 4), loss=float(l), front=round(gbeta, 3), prof=prof, s=round(time.perf_counter() - t0, 1))
        hist.append(rec)
        print(json.dumps(rec), flush=True)
print("FINAL", json.dumps(dict(args=vars(a), final=hist[-1])), flush=True)
