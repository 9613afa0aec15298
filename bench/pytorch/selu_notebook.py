"""Géron's chapter 11 notebook cells "a self-regularized network using SELU" (100 dense layers of 100 units on
per-pixel standardized Fashion-MNIST) in plain PyTorch with Keras' semantics: lecun_normal / truncated = Keras'
VarianceScaling(1, fan_in, truncated_normal), Glorot-uniform output layer, zero biases, NumPy float64 standardization,
the last 5,000 training images for validation, batch 32, reshuffled every epoch. A reference for
docs/chapter11/vanishing-gradients.md, not a test. Example (the notebook's run):

    /usr/bin/python3 bench/pytorch/selu_notebook.py --act selu --init truncated --momentum 0 --log 0
"""
import argparse, gzip, math, time, numpy as np, torch, torch.nn as nn
p = argparse.ArgumentParser()
p.add_argument('--act', default='selu')  # selu | relu | sigmoid
p.add_argument('--init', default='truncated')  # truncated (Keras lecun_normal) | normal (untruncated LeCun) | he (untruncated He)
p.add_argument('--std', default='pixel')  # pixel | clip5 (per pixel, clipped to +-5) | global (one mean and std) | none
p.add_argument('--train-rows', type=int, default=55000)
p.add_argument('--epochs', type=int, default=5)
p.add_argument('--steps', type=int, default=0)  # stop after this many steps (0: all)
p.add_argument('--seed', type=int, default=42)
p.add_argument('--log', type=int, default=200)  # print the running loss and three layers' gradient norms every N steps (0: never)
p.add_argument('--depth', type=int, default=100)
p.add_argument('--momentum', type=float, default=0.0)  # the notebook: plain SGD
p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--data', default='../shared/datasets/fashion-mnist')
a = p.parse_args()
torch.set_num_threads(1); torch.manual_seed(a.seed); np.random.seed(a.seed)
def idx(path, images):
    with gzip.open(path) as f: b = f.read()
    return np.frombuffer(b, np.uint8, offset=16 if images else 8)
X = idx(f'{a.data}/train-images-idx3-ubyte.gz', True).reshape(-1, 784).astype(np.float64) / 255
y = idx(f'{a.data}/train-labels-idx1-ubyte.gz', False).astype(np.int64)
Xtr, ytr, Xva, yva = X[:-5000][:a.train_rows], y[:-5000][:a.train_rows], X[-5000:], y[-5000:]
if a.std in ('pixel', 'clip5'):
    m, s = Xtr.mean(0, keepdims=True), Xtr.std(0, keepdims=True)
    Xtr, Xva = (Xtr - m) / s, (Xva - m) / s
    if a.std == 'clip5': Xtr, Xva = Xtr.clip(-5, 5), Xva.clip(-5, 5)
elif a.std == 'global':
    m, s = Xtr.mean(), Xtr.std(); Xtr, Xva = (Xtr - m) / s, (Xva - m) / s
print(f'inputs: train max {Xtr.max():.1f} min {Xtr.min():.2f}; zero-std pixels {int((X[:-5000][:a.train_rows].std(0)==0).sum())}', flush=True)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
act = {'selu': nn.SELU, 'relu': nn.ReLU, 'sigmoid': nn.Sigmoid}[a.act]
layers, width = [], 784
for i in range(a.depth):
    lin = nn.Linear(width, 100)
    with torch.no_grad():
        if a.init == 'truncated':  # Keras VarianceScaling(1, fan_in, truncated_normal)
            nn.init.trunc_normal_(lin.weight, 0, 1, -2, 2); lin.weight.mul_(math.sqrt(1 / width) / .87962566103423978)
        elif a.init == 'normal': lin.weight.normal_(0, math.sqrt(1 / width))
        elif a.init == 'he': lin.weight.normal_(0, math.sqrt(2 / width))
        lin.bias.zero_()
    layers += [lin, act()]; width = 100
out = nn.Linear(width, 10)
with torch.no_grad():
    lim = math.sqrt(6 / (width + 10)); out.weight.uniform_(-lim, lim); out.bias.zero_()
net = nn.Sequential(*layers, out)
lins = [l for l in net if isinstance(l, nn.Linear)]
opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=a.momentum)
def evaluate():
    net.eval()
    with torch.no_grad(): o = net(Xva)
    net.train(); return (o.argmax(1) == yva).float().mean().item(), nn.functional.cross_entropy(o, yva).item()
step, t0 = 0, time.time()
for epoch in range(1, a.epochs + 1):
    perm = torch.randperm(len(Xtr)); tot, n, correct = 0., 0, 0
    gsum = torch.zeros(len(lins)); gcount = 0
    for b in range(0, len(Xtr), 32):
        ib = perm[b:b + 32]; xb, yb = Xtr[ib], ytr[ib]
        o = net(xb); loss = nn.functional.cross_entropy(o, yb)
        opt.zero_grad(); loss.backward()
        g = torch.stack([l.weight.grad.norm() for l in lins]); gsum += g; gcount += 1
        opt.step(); step += 1
        tot += loss.item() * len(ib); n += len(ib); correct += (o.argmax(1) == yb).sum().item()
        if a.log and (step % a.log == 0 or step == 1):
            print(f'step {step} loss(avg) {tot/n:.4f} grad first {g[0]:.3g} mid {g[len(g)//2]:.3g} last-hidden {g[-2]:.3g}', flush=True)
        if a.steps and step >= a.steps: break
    va, vl = evaluate(); gm = gsum / gcount
    print(f'epoch {epoch} train loss {tot/n:.4f} acc {correct/n:.4f} val acc {va:.4f} val loss {vl:.4f} '
          f'mean grad first {gm[0]:.3g} last-hidden {gm[-2]:.3g} t {time.time()-t0:.0f}s', flush=True)
    if a.steps and step >= a.steps: break
