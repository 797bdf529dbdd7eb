"""Independent reference (numpy, f64) for test/read/probe-check.test.ts: accuracy and mean
cross-entropy of fixtures/mnist-convnet-tinygrad.safetensors on the first N images of
fixtures/mnist-test-1000.safetensors at input scale 1/255 (the default) and 1 (raw pixels,
what the net was trained on). Run: /usr/bin/python3 scripts/reference/mnist_conv_probe_accuracy.py
Output (2026-11-30):
100 0.00392156862745098 acc 0.14 ce 6.8915564071215565 majority 0.15
100 1.0 acc 1.0 ce 0.00438231912746466 majority 0.15
1000 0.00392156862745098 acc 0.126 ce 7.406297367479998 majority 0.126
1000 1.0 acc 0.991 ce 0.028882168204887187 majority 0.126
"""
import json,struct,numpy as np
from numpy.lib.stride_tricks import sliding_window_view as swv
def load(p):
  b=open(p,'rb').read(); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n]); out={}
  dt={'F32':np.float32,'U8':np.uint8,'I64':np.int64}
  for k,v in h.items():
    if k=='__metadata__': continue
    s,e=v['data_offsets']; out[k]=np.frombuffer(b[8+n+s:8+n+e],dtype=dt[v['dtype']]).reshape(v['shape']).astype(np.float64)
  return out
w=load('fixtures/mnist-convnet-tinygrad.safetensors'); d=load('fixtures/mnist-test-1000.safetensors')
X=d['images'].reshape(-1,1,28,28); y=d['labels'].astype(int)
def conv(x,i):
  Wt=w[f'layers.{i}.weight']; b=w[f'layers.{i}.bias']; k=Wt.shape[2]
  p=swv(x,(k,k),axis=(2,3)) # N,C,H',W',k,k
  return np.einsum('nchwij,ocij->nohw',p,Wt)+b[None,:,None,None]
def bn(x,i): return (x-w[f'layers.{i}.running_mean'][None,:,None,None])/np.sqrt(w[f'layers.{i}.running_var'][None,:,None,None]+1e-5)*w[f'layers.{i}.weight'][None,:,None,None]+w[f'layers.{i}.bias'][None,:,None,None]
def pool(x): N,C,H,W=x.shape; return x.reshape(N,C,H//2,2,W//2,2).max(axis=(3,5))
relu=lambda x:np.maximum(x,0)
def fwd(x):
  x=relu(conv(x,0)); x=relu(conv(x,2)); x=pool(bn(x,4))
  x=relu(conv(x,6)); x=relu(conv(x,8)); x=pool(bn(x,10))
  return x.reshape(len(x),-1)@w['layers.13.weight'].T+w['layers.13.bias']
for n in [100,1000]:
  for sc in [1/255,1.0]:
    z=fwd(X[:n]*sc); m=z.max(1,keepdims=True); ce=(m[:,0]+np.log(np.exp(z-m).sum(1))-z[np.arange(n),y[:n]]).mean()
    print(n,sc,'acc',(z.argmax(1)==y[:n]).mean(),'ce',ce,'majority',np.bincount(y[:n]).max()/n)
