"""The NumPy peer of `npm run bench`: the MNIST MLP node-death read (METHOD §1–§4) in plain NumPy f32.

The same read as `deadscope read fixtures/mnist-mlp-dfdx.safetensors --inputs
fixtures/mnist-test-1000.safetensors --detectors node-death`: for every hidden unit j, the
direction v = (incoming row and bias, outgoing column)/√2 (each normalised), F_v(θ̂ + t·v) at the
17 scan points, averaged over the probe images; plus the live reference of each layer pair (the
largest F among 8 random unit directions over its tensors; the random draws differ from deadscope's
seeded ones, so only the work, not F_live, is comparable); plus, as deadscope's read does, the axis
alignment of every hidden layer (METHOD §5: eigendecomposition of the activation second moment,
the dead-subspace rank r, leverages, the alignment at r and at r = 1…8). Written the way a researcher would: cache
the activations, keep only the probe rows where the unit is active at some t (elsewhere Jv = 0), stack
all t × active rows and push value and tangent through the tail with GEMMs. One BLAS thread.

  /usr/bin/python3 bench/peer_numpy.py MODEL INPUTS PROBE OUT.json   (prints the wall time)
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import json, struct, sys, time
import numpy as np


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        dt = {"F32": np.float32, "U8": np.uint8, "F64": np.float64}[t["dtype"]]
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=dt).reshape(t["shape"])
    return out


def fisher_rows(z, jv):
    """Var_{c~softmax(z)}[Jv_c] per row (classification head), in f64 after the f32 tail."""
    z = z.astype(np.float64)
    jv = jv.astype(np.float64)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    m = (p * jv).sum(axis=1, keepdims=True)
    return (p * (jv - m) ** 2).sum(axis=1)


def axis_alignment(h, rel=1e-4, r_max=8):
    """METHOD §5 for one layer's activations h (N × d): (r, alignment at r, [alignment at 1…r_max])."""
    h = h.astype(np.float64)
    d = h.shape[1]
    w, V = np.linalg.eigh(h.T @ h / h.shape[0])
    r = d if not w[-1] > 0 else max(1, int((w < rel * w[-1]).sum()))

    def at(k):
        lev = (V[:, :k] ** 2).sum(1)
        return float(np.sort(lev)[::-1][:k].sum() / k)
    return r, at(r), [at(k) for k in range(1, min(r_max, d) + 1)]


def tail(layers, k, y, dy):
    """Value and tangent from the output of linear k (pre-activation) through the rest of the net."""
    for W, b in layers[k + 1:]:
        on = y > 0
        h = np.where(on, y, 0)
        dh = np.where(on, dy, 0)
        y = h @ W.T + b
        dy = dh @ W.T
    return y, dy


def main():
    model, inputs, probe, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    t0 = time.perf_counter()
    c0 = time.process_time()
    P = load_safetensors(model)
    layers = [(P[f"{i}.0.weight"].astype(np.float32), P[f"{i}.0.bias"].astype(np.float32)) for i in range(3)]
    layers.append((P["3.weight"].astype(np.float32), P["3.bias"].astype(np.float32)))
    X = (load_safetensors(inputs)["images"][:probe].reshape(probe, -1).astype(np.float32) / np.float32(255))
    N = X.shape[0]
    grid = (1e-4 * 10 ** (np.arange(17) / 4)).astype(np.float32)
    T = len(grid)
    # cached forward pass: xs[l] = input of linear l, zs[l] = its output (pre-activation)
    xs, zs = [X], []
    for l, (W, b) in enumerate(layers):
        zs.append(xs[-1] @ W.T + b)
        if l + 1 < len(layers):
            xs.append(np.maximum(zs[-1], 0))
    ta = time.process_time()
    alignment = {f"{l}.0": axis_alignment(xs[l + 1]) for l in range(3)}
    align_cpu = time.process_time() - ta
    s2 = np.float32(np.sqrt(0.5))
    F = {}
    rng = np.random.default_rng(0)
    live = {}
    for l in range(3):
        W, b = layers[l]
        W2, b2 = layers[l + 1]
        rownorm = np.sqrt((W.astype(np.float64) ** 2).sum(1) + b.astype(np.float64) ** 2).astype(np.float32)
        colnorm = np.sqrt((W2.astype(np.float64) ** 2).sum(0)).astype(np.float32)
        z, ybase = zs[l], zs[l + 1]
        for j in range(W.shape[0]):
            a = z[:, j]
            d = a / rownorm[j]  # α·[x, 1]: the unit's input dot, from the cached pre-activation
            zt = a[:, None] + grid[None, :] * d[:, None] * s2  # N × T
            act = (zt > 0).any(axis=1) | (a > 0)
            s = np.nonzero(act)[0]
            Fj = np.zeros(T)
            if len(s):
                zt = zt[s].reshape(-1)
                ht = np.maximum(zt, 0)
                dht = np.where(zt > 0, np.repeat(d[s], T) * s2, 0)
                dh = ht - np.repeat(np.maximum(a[s], 0), T)
                tt = np.tile(grid, len(s))
                w, beta = W2[:, j], W2[:, j] / colnorm[j]
                y = ybase[np.repeat(s, T)] + dh[:, None] * w + (tt * s2 * ht)[:, None] * beta
                # ẏ = W2(t)·ḣ + Ẇ2·h' with W2(t) = W2 + t·β/√2 on the unit's column
                dy = dht[:, None] * w + (tt * s2 * dht)[:, None] * beta + (s2 * ht)[:, None] * beta
                zz, jv = tail(layers, l + 1, y, dy)
                Fj = fisher_rows(zz, jv).reshape(len(s), T).sum(0) / N
            F[f"node-death:{l}.0:{j}"] = Fj.tolist()
        # live reference: 8 random unit directions over (W, b, W2), tangent only
        best = 0.0
        for _ in range(8):
            v = [rng.standard_normal(W.shape), rng.standard_normal(b.shape), rng.standard_normal(W2.shape)]
            nrm = np.sqrt(sum((x ** 2).sum() for x in v))
            dW, db, dW2 = (x.astype(np.float32) / np.float32(nrm) for x in v)
            dy1 = xs[l] @ dW.T + db
            on = zs[l] > 0
            dy2 = np.where(on, dy1, 0) @ W2.T + xs[l + 1] @ dW2.T
            zz, jv = tail(layers, l + 1, zs[l + 1], dy2)
            best = max(best, float(fisher_rows(zz, jv).mean()))
        live[f"{l}.0"] = best
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    json.dump({"wallSeconds": wall, "cpuSeconds": cpu, "alignmentCpuSeconds": align_cpu, "F": F, "fLive": live,
               "alignment": alignment, "probe": N, "grid": grid.tolist()}, open(out_path, "w"))
    print(f"peer_numpy: {len(F)} directions × {T} t, probe {N}, {wall:.3f} s")


main()
