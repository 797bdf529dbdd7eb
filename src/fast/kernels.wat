;; The fast scan's f32 row kernel in WebAssembly SIMD (f32x4): compiled by scripts/build-wasm.mjs
;; into src/fast/kernels-wasm.ts (checked in; test/fast/wasm.test.ts recompiles and compares).
;; Pointers are byte offsets into the exported memory; every matrix is row-major f32.
(module
  (memory (export "memory") 1)

  ;; C[r, 0:N] += Σ_{c : A[r, c] ≠ 0} A[r, c] · WT[c, 0:N] for r < rows
  ;; (A rows × k, WT k × N, C rows × N). Exact zeros of A (pixels, ReLU outputs, masked rows) are
  ;; skipped; eight non-zeros share each pass over C's row, four lanes at a time.
  ;; scratch: 8·k bytes for the (WT row address, value) list of one row's non-zeros.
  ;; Returns the number of non-zeros of A used (the multiply-adds are that times N).
  (func (export "rowsTimes")
    (param $A i32) (param $rows i32) (param $k i32) (param $WT i32) (param $N i32) (param $C i32) (param $scratch i32)
    (result i32)
    (local $total i32) (local $r i32) (local $c i32) (local $nz i32) (local $ap i32) (local $cp i32) (local $j i32) (local $o i32)
    (local $rowB i32) (local $vecB i32) (local $e i32) (local $v f32) (local $acc v128)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32) (local $p6 i32) (local $p7 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $s4 f32) (local $s5 f32) (local $s6 f32) (local $s7 f32)
    ;; bytes of one row of WT / C, and of its four-lane part
    (local.set $rowB (i32.shl (local.get $N) (i32.const 2)))
    (local.set $vecB (i32.and (local.get $rowB) (i32.const -16)))
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $ap (i32.add (local.get $A) (i32.shl (i32.mul (local.get $r) (local.get $k)) (i32.const 2))))
        (local.set $cp (i32.add (local.get $C) (i32.mul (local.get $r) (local.get $rowB))))
        ;; the row's non-zeros
        (local.set $nz (i32.const 0))
        (local.set $c (i32.const 0))
        (block $gatherDone
          (loop $gather
            (br_if $gatherDone (i32.ge_u (local.get $c) (local.get $k)))
            (local.set $v (f32.load (i32.add (local.get $ap) (i32.shl (local.get $c) (i32.const 2)))))
            (if (f32.ne (local.get $v) (f32.const 0))
              (then
                (local.set $e (i32.add (local.get $scratch) (i32.shl (local.get $nz) (i32.const 3))))
                (i32.store (local.get $e) (i32.add (local.get $WT) (i32.mul (local.get $c) (local.get $rowB))))
                (f32.store offset=4 (local.get $e) (local.get $v))
                (local.set $nz (i32.add (local.get $nz) (i32.const 1)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $gather)))
        ;; eight non-zeros per pass
        (local.set $j (i32.const 0))
        (block $eightDone
          (loop $eight
            (br_if $eightDone (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $nz)))
            (local.set $e (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $p0 (i32.load offset=0 (local.get $e)))
            (local.set $s0 (f32.load offset=4 (local.get $e)))
            (local.set $p1 (i32.load offset=8 (local.get $e)))
            (local.set $s1 (f32.load offset=12 (local.get $e)))
            (local.set $p2 (i32.load offset=16 (local.get $e)))
            (local.set $s2 (f32.load offset=20 (local.get $e)))
            (local.set $p3 (i32.load offset=24 (local.get $e)))
            (local.set $s3 (f32.load offset=28 (local.get $e)))
            (local.set $p4 (i32.load offset=32 (local.get $e)))
            (local.set $s4 (f32.load offset=36 (local.get $e)))
            (local.set $p5 (i32.load offset=40 (local.get $e)))
            (local.set $s5 (f32.load offset=44 (local.get $e)))
            (local.set $p6 (i32.load offset=48 (local.get $e)))
            (local.set $s6 (f32.load offset=52 (local.get $e)))
            (local.set $p7 (i32.load offset=56 (local.get $e)))
            (local.set $s7 (f32.load offset=60 (local.get $e)))
            (local.set $a0 (f32x4.splat (local.get $s0)))
            (local.set $a1 (f32x4.splat (local.get $s1)))
            (local.set $a2 (f32x4.splat (local.get $s2)))
            (local.set $a3 (f32x4.splat (local.get $s3)))
            (local.set $a4 (f32x4.splat (local.get $s4)))
            (local.set $a5 (f32x4.splat (local.get $s5)))
            (local.set $a6 (f32x4.splat (local.get $s6)))
            (local.set $a7 (f32x4.splat (local.get $s7)))
            (local.set $o (i32.const 0))
            (block $vecDone
              (loop $vec
                (br_if $vecDone (i32.ge_u (local.get $o) (local.get $vecB)))
                (v128.store (i32.add (local.get $cp) (local.get $o))
                  (f32x4.add
                    (v128.load (i32.add (local.get $cp) (local.get $o)))
                    (f32x4.add
                      (f32x4.add
                        (f32x4.add
                          (f32x4.mul (local.get $a0) (v128.load (i32.add (local.get $p0) (local.get $o))))
                          (f32x4.mul (local.get $a1) (v128.load (i32.add (local.get $p1) (local.get $o)))))
                        (f32x4.add
                          (f32x4.mul (local.get $a2) (v128.load (i32.add (local.get $p2) (local.get $o))))
                          (f32x4.mul (local.get $a3) (v128.load (i32.add (local.get $p3) (local.get $o))))))
                      (f32x4.add
                        (f32x4.add
                          (f32x4.mul (local.get $a4) (v128.load (i32.add (local.get $p4) (local.get $o))))
                          (f32x4.mul (local.get $a5) (v128.load (i32.add (local.get $p5) (local.get $o)))))
                        (f32x4.add
                          (f32x4.mul (local.get $a6) (v128.load (i32.add (local.get $p6) (local.get $o))))
                          (f32x4.mul (local.get $a7) (v128.load (i32.add (local.get $p7) (local.get $o)))))))))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $vec)))
            ;; the last N mod 4 columns
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $o) (local.get $rowB)))
                (f32.store (i32.add (local.get $cp) (local.get $o))
                  (f32.add
                    (f32.load (i32.add (local.get $cp) (local.get $o)))
                    (f32.add
                      (f32.add
                        (f32.add
                          (f32.mul (local.get $s0) (f32.load (i32.add (local.get $p0) (local.get $o))))
                          (f32.mul (local.get $s1) (f32.load (i32.add (local.get $p1) (local.get $o)))))
                        (f32.add
                          (f32.mul (local.get $s2) (f32.load (i32.add (local.get $p2) (local.get $o))))
                          (f32.mul (local.get $s3) (f32.load (i32.add (local.get $p3) (local.get $o))))))
                      (f32.add
                        (f32.add
                          (f32.mul (local.get $s4) (f32.load (i32.add (local.get $p4) (local.get $o))))
                          (f32.mul (local.get $s5) (f32.load (i32.add (local.get $p5) (local.get $o)))))
                        (f32.add
                          (f32.mul (local.get $s6) (f32.load (i32.add (local.get $p6) (local.get $o))))
                          (f32.mul (local.get $s7) (f32.load (i32.add (local.get $p7) (local.get $o)))))))))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                (br $tail)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $eight)))
        ;; the remaining non-zeros one at a time
        (block $oneDone
          (loop $one
            (br_if $oneDone (i32.ge_u (local.get $j) (local.get $nz)))
            (local.set $e (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $p0 (i32.load (local.get $e)))
            (local.set $s0 (f32.load offset=4 (local.get $e)))
            (local.set $a0 (f32x4.splat (local.get $s0)))
            (local.set $o (i32.const 0))
            (block $vec1Done
              (loop $vec1
                (br_if $vec1Done (i32.ge_u (local.get $o) (local.get $vecB)))
                (v128.store (i32.add (local.get $cp) (local.get $o))
                  (f32x4.add
                    (v128.load (i32.add (local.get $cp) (local.get $o)))
                    (f32x4.mul (local.get $a0) (v128.load (i32.add (local.get $p0) (local.get $o))))))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $vec1)))
            (block $tail1Done
              (loop $tail1
                (br_if $tail1Done (i32.ge_u (local.get $o) (local.get $rowB)))
                (f32.store (i32.add (local.get $cp) (local.get $o))
                  (f32.add
                    (f32.load (i32.add (local.get $cp) (local.get $o)))
                    (f32.mul (local.get $s0) (f32.load (i32.add (local.get $p0) (local.get $o))))))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                (br $tail1)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $one)))
        (local.set $total (i32.add (local.get $total) (local.get $nz)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))
    (local.get $total)
  )

  ;; C[r, :] += A[r, 0:k] · W for r < rows, dense (no zero test), W packed in panels of eight
  ;; columns: panel p holds W[c, 8p : 8p + 8] for c < k contiguously (8·k f32 from WTp + 32·k·p), and
  ;; C's rows are 8·panels wide. Four rows share each load of a panel (eight accumulators of four
  ;; lanes), the panel streamed in order; each C[r, o] is its start plus Σ_c A[r, c]·W[c, o] added in
  ;; c order. Rows mod 4 one at a time, the same way.
  (func (export "denseRowsTimes")
    (param $A i32) (param $rows i32) (param $k i32) (param $WTp i32) (param $panels i32) (param $C i32)
    (local $r i32) (local $p i32) (local $c i32) (local $rowB i32) (local $kB i32) (local $panelB i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $w i32) (local $w0 v128) (local $w1 v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $x00 v128) (local $x01 v128) (local $x10 v128) (local $x11 v128) (local $x20 v128) (local $x21 v128) (local $x30 v128) (local $x31 v128)
    (local.set $rowB (i32.shl (local.get $panels) (i32.const 5)))
    (local.set $kB (i32.shl (local.get $k) (i32.const 2)))
    (local.set $panelB (i32.shl (local.get $k) (i32.const 5)))
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $a0 (i32.add (local.get $A) (i32.mul (local.get $r) (local.get $kB))))
        (local.set $a1 (i32.add (local.get $a0) (local.get $kB)))
        (local.set $a2 (i32.add (local.get $a1) (local.get $kB)))
        (local.set $a3 (i32.add (local.get $a2) (local.get $kB)))
        (local.set $c0 (i32.add (local.get $C) (i32.mul (local.get $r) (local.get $rowB))))
        (local.set $c1 (i32.add (local.get $c0) (local.get $rowB)))
        (local.set $c2 (i32.add (local.get $c1) (local.get $rowB)))
        (local.set $c3 (i32.add (local.get $c2) (local.get $rowB)))
        (local.set $p (i32.const 0))
        (local.set $w (local.get $WTp))
        (block $panelsDone
          (loop $panelLoop
            (br_if $panelsDone (i32.ge_u (local.get $p) (local.get $rowB)))
            (local.set $x00 (v128.load (i32.add (local.get $c0) (local.get $p))))
            (local.set $x01 (v128.load offset=16 (i32.add (local.get $c0) (local.get $p))))
            (local.set $x10 (v128.load (i32.add (local.get $c1) (local.get $p))))
            (local.set $x11 (v128.load offset=16 (i32.add (local.get $c1) (local.get $p))))
            (local.set $x20 (v128.load (i32.add (local.get $c2) (local.get $p))))
            (local.set $x21 (v128.load offset=16 (i32.add (local.get $c2) (local.get $p))))
            (local.set $x30 (v128.load (i32.add (local.get $c3) (local.get $p))))
            (local.set $x31 (v128.load offset=16 (i32.add (local.get $c3) (local.get $p))))
            (local.set $c (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $c) (local.get $kB)))
                (local.set $w0 (v128.load (local.get $w)))
                (local.set $w1 (v128.load offset=16 (local.get $w)))
                (local.set $s0 (v128.load32_splat (i32.add (local.get $a0) (local.get $c))))
                (local.set $s1 (v128.load32_splat (i32.add (local.get $a1) (local.get $c))))
                (local.set $s2 (v128.load32_splat (i32.add (local.get $a2) (local.get $c))))
                (local.set $s3 (v128.load32_splat (i32.add (local.get $a3) (local.get $c))))
                (local.set $x00 (f32x4.add (local.get $x00) (f32x4.mul (local.get $s0) (local.get $w0))))
                (local.set $x01 (f32x4.add (local.get $x01) (f32x4.mul (local.get $s0) (local.get $w1))))
                (local.set $x10 (f32x4.add (local.get $x10) (f32x4.mul (local.get $s1) (local.get $w0))))
                (local.set $x11 (f32x4.add (local.get $x11) (f32x4.mul (local.get $s1) (local.get $w1))))
                (local.set $x20 (f32x4.add (local.get $x20) (f32x4.mul (local.get $s2) (local.get $w0))))
                (local.set $x21 (f32x4.add (local.get $x21) (f32x4.mul (local.get $s2) (local.get $w1))))
                (local.set $x30 (f32x4.add (local.get $x30) (f32x4.mul (local.get $s3) (local.get $w0))))
                (local.set $x31 (f32x4.add (local.get $x31) (f32x4.mul (local.get $s3) (local.get $w1))))
                (local.set $w (i32.add (local.get $w) (i32.const 32)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $kLoop)))
            (v128.store (i32.add (local.get $c0) (local.get $p)) (local.get $x00))
            (v128.store offset=16 (i32.add (local.get $c0) (local.get $p)) (local.get $x01))
            (v128.store (i32.add (local.get $c1) (local.get $p)) (local.get $x10))
            (v128.store offset=16 (i32.add (local.get $c1) (local.get $p)) (local.get $x11))
            (v128.store (i32.add (local.get $c2) (local.get $p)) (local.get $x20))
            (v128.store offset=16 (i32.add (local.get $c2) (local.get $p)) (local.get $x21))
            (v128.store (i32.add (local.get $c3) (local.get $p)) (local.get $x30))
            (v128.store offset=16 (i32.add (local.get $c3) (local.get $p)) (local.get $x31))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $panelLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rowLoop)))
    ;; the last rows mod 4, one at a time
    (block $lastDone
      (loop $last
        (br_if $lastDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a0 (i32.add (local.get $A) (i32.mul (local.get $r) (local.get $kB))))
        (local.set $c0 (i32.add (local.get $C) (i32.mul (local.get $r) (local.get $rowB))))
        (local.set $p (i32.const 0))
        (local.set $w (local.get $WTp))
        (block $panels1Done
          (loop $panel1
            (br_if $panels1Done (i32.ge_u (local.get $p) (local.get $rowB)))
            (local.set $x00 (v128.load (i32.add (local.get $c0) (local.get $p))))
            (local.set $x01 (v128.load offset=16 (i32.add (local.get $c0) (local.get $p))))
            (local.set $c (i32.const 0))
            (block $k1Done
              (loop $k1
                (br_if $k1Done (i32.ge_u (local.get $c) (local.get $kB)))
                (local.set $s0 (v128.load32_splat (i32.add (local.get $a0) (local.get $c))))
                (local.set $x00 (f32x4.add (local.get $x00) (f32x4.mul (local.get $s0) (v128.load (local.get $w)))))
                (local.set $x01 (f32x4.add (local.get $x01) (f32x4.mul (local.get $s0) (v128.load offset=16 (local.get $w)))))
                (local.set $w (i32.add (local.get $w) (i32.const 32)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $k1)))
            (v128.store (i32.add (local.get $c0) (local.get $p)) (local.get $x00))
            (v128.store offset=16 (i32.add (local.get $c0) (local.get $p)) (local.get $x01))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $panel1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $last)))
  )

  ;; The classification head's Fisher form of `count` rows of one sample: with z = zb + γ_j·m
  ;; (W outputs), out[j] = Var_{c ~ softmax(z)}[m_c] = Σ_c p_c (δ_c − Σ p δ)² with δ = m − m at the
  ;; largest z: centred, and exact zero for the top class, so a saturated row keeps its relative
  ;; accuracy; the form is out[j]·e^expo[j] (expo[j] = 0 but for a row where every other class sits
  ;; below e^−80 of the top, whose p would underflow in f32). zb, m: W f32 each (read four at a time: 3 floats past the end must be
  ;; addressable); gam, out, expo: count f32; scratch: 2·W + 8 f32 (p, then the lane masks).
  ;; e^x is Cephes expf on four lanes (x = n·ln 2 + r, a degree-6 polynomial in r, 2^n from the
  ;; exponent bits; relative error about 2e-7; 0 below −87), written out here: no calls per row.
  (func (export "softmaxVariance")
    (param $zb i32) (param $m i32) (param $W i32) (param $gam i32) (param $count i32) (param $out i32) (param $expo i32) (param $p i32)
    (local $j i32) (local $c i32) (local $o i32) (local $g v128) (local $z v128) (local $mx v128)
    (local $e v128) (local $sum v128) (local $e1 v128) (local $v v128) (local $d v128) (local $mxs f32) (local $inv f32)
    (local $mask i32) (local $x v128) (local $fx v128) (local $r v128) (local $y v128) (local $live v128)
    (local $mref v128) (local $bits i32) (local $rest v128) (local $rests f32)
    ;; lane masks (lanes < W) for every chunk of four, after p
    (local.set $mask (i32.add (local.get $p) (i32.and (i32.add (i32.shl (local.get $W) (i32.const 2)) (i32.const 15)) (i32.const -16))))
    (local.set $c (i32.const 0))
    (block $dm (loop $lm
      (br_if $dm (i32.ge_u (local.get $c) (local.get $W)))
      (v128.store (i32.add (local.get $mask) (i32.shl (local.get $c) (i32.const 2)))
        (i32x4.lt_s (i32x4.add (i32x4.splat (local.get $c)) (v128.const i32x4 0 1 2 3)) (i32x4.splat (local.get $W))))
      (local.set $c (i32.add (local.get $c) (i32.const 4)))
      (br $lm)))
    (local.set $j (i32.const 0))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $j) (local.get $count)))
        (local.set $g (f32x4.splat (f32.load (i32.add (local.get $gam) (i32.shl (local.get $j) (i32.const 2))))))
        ;; z into p, and its largest entry
        (local.set $mx (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $c (i32.const 0))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $c) (local.get $W)))
          (local.set $o (i32.shl (local.get $c) (i32.const 2)))
          (local.set $z (v128.bitselect
            (f32x4.add (v128.load (i32.add (local.get $zb) (local.get $o)))
                       (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $m) (local.get $o)))))
            (v128.const f32x4 -inf -inf -inf -inf)
            (v128.load (i32.add (local.get $mask) (local.get $o)))))
          (v128.store (i32.add (local.get $p) (local.get $o)) (local.get $z))
          (local.set $mx (f32x4.max (local.get $mx) (local.get $z)))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $l1)))
        (local.set $mxs (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
          (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx)))))
        (local.set $mx (f32x4.splat (local.get $mxs)))
        ;; m at the (first) largest z
        (local.set $mref (v128.const f32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (block $df (loop $lf
          (br_if $df (i32.ge_u (local.get $c) (local.get $W)))
          (local.set $bits (i32x4.bitmask (f32x4.eq (v128.load (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2)))) (local.get $mx))))
          (if (local.get $bits) (then
            (local.set $mref (f32x4.splat (f32.load (i32.add (local.get $m)
              (i32.shl (i32.add (local.get $c) (i32.ctz (local.get $bits))) (i32.const 2))))))
            (br $df)))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $lf)))
        ;; p = e^(z − max) (0 on lanes past W), Σ p and Σ p·δ; the largest z − max below 0
        (local.set $rest (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $sum (v128.const f32x4 0 0 0 0))
        (local.set $e1 (v128.const f32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (block $d2 (loop $l2
          (br_if $d2 (i32.ge_u (local.get $c) (local.get $W)))
          (local.set $o (i32.shl (local.get $c) (i32.const 2)))
          (local.set $x (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $o))) (local.get $mx)))
          (local.set $rest (f32x4.max (local.get $rest)
            (v128.bitselect (local.get $x) (v128.const f32x4 -inf -inf -inf -inf) (f32x4.lt (local.get $x) (v128.const f32x4 0 0 0 0)))))
          (local.set $live (f32x4.gt (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
          (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)) (v128.const f32x4 88 88 88 88)))
          (local.set $fx (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
          (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $fx) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
          (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $fx) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
          (local.set $y (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
          (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
          (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
          (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
          (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
          (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
          (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (v128.const f32x4 1 1 1 1)))
          (local.set $e (v128.and
            (local.get $live)
            (f32x4.mul (local.get $y)
              (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $fx)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))))
          (v128.store (i32.add (local.get $p) (local.get $o)) (local.get $e))
          (local.set $sum (f32x4.add (local.get $sum) (local.get $e)))
          (local.set $e1 (f32x4.add (local.get $e1)
            (v128.and (f32x4.mul (local.get $e) (f32x4.sub (v128.load (i32.add (local.get $m) (local.get $o))) (local.get $mref)))
                      (v128.load (i32.add (local.get $mask) (local.get $o))))))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $l2)))
        (local.set $rests (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $rest)) (f32x4.extract_lane 1 (local.get $rest)))
          (f32.max (f32x4.extract_lane 2 (local.get $rest)) (f32x4.extract_lane 3 (local.get $rest)))))
        (local.set $inv (f32.div (f32.const 1)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
            (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum))))))
        (local.set $e1 (f32x4.splat (f32.mul (local.get $inv)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $e1)) (f32x4.extract_lane 1 (local.get $e1)))
            (f32.add (f32x4.extract_lane 2 (local.get $e1)) (f32x4.extract_lane 3 (local.get $e1)))))))
        (local.set $v (v128.const f32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (if (i32.and
              (i32.and (f32.lt (local.get $rests) (f32.const -80)) (f32.gt (local.get $rests) (f32.const -inf)))
              (f32.gt (local.get $inv) (f32.const 0.6)))
          (then
            ;; one top class, every other below e^−80 of it: Var = Σ_{c ≠ top} p_c δ_c² to a relative
            ;; e^−80 (μ² and the top's p_top·μ² are e^−160), summed as e^rest · Σ e^(x_c − rest) δ_c²
            ;; so that nothing underflows; out[j]·e^expo[j] is the form
            (block $d4 (loop $l4
              (br_if $d4 (i32.ge_u (local.get $c) (local.get $W)))
              (local.set $o (i32.shl (local.get $c) (i32.const 2)))
              (local.set $x (f32x4.sub
                (v128.bitselect
                  (f32x4.add (v128.load (i32.add (local.get $zb) (local.get $o)))
                             (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $m) (local.get $o)))))
                  (v128.const f32x4 -inf -inf -inf -inf)
                  (v128.load (i32.add (local.get $mask) (local.get $o))))
                (local.get $mx)))
              (local.set $d (f32x4.lt (local.get $x) (v128.const f32x4 0 0 0 0)))
              (local.set $x (f32x4.sub (local.get $x) (f32x4.splat (local.get $rests))))
            (local.set $live (f32x4.gt (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
            (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)) (v128.const f32x4 88 88 88 88)))
            (local.set $fx (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
            (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $fx) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
            (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $fx) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
            (local.set $y (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
            (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
            (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
            (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
            (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
            (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
            (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (v128.const f32x4 1 1 1 1)))
            (local.set $e (v128.and
              (local.get $live)
              (f32x4.mul (local.get $y)
                (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $fx)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))))
              (local.set $e (v128.and (local.get $e) (local.get $d)))
              (local.set $d (v128.and
                (f32x4.sub (v128.load (i32.add (local.get $m) (local.get $o))) (local.get $mref))
                (v128.load (i32.add (local.get $mask) (local.get $o)))))
              (local.set $v (f32x4.add (local.get $v) (f32x4.mul (local.get $e) (f32x4.mul (local.get $d) (local.get $d)))))
              (local.set $c (i32.add (local.get $c) (i32.const 4)))
              (br $l4)))
            (f32.store (i32.add (local.get $expo) (i32.shl (local.get $j) (i32.const 2))) (local.get $rests)))
          (else
            ;; Σ p (δ − E δ)²
            (block $d3 (loop $l3
              (br_if $d3 (i32.ge_u (local.get $c) (local.get $W)))
              (local.set $o (i32.shl (local.get $c) (i32.const 2)))
              (local.set $d (f32x4.sub (f32x4.sub (v128.load (i32.add (local.get $m) (local.get $o))) (local.get $mref)) (local.get $e1)))
              (local.set $v (f32x4.add (local.get $v)
                (v128.and (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $o))) (f32x4.mul (local.get $d) (local.get $d)))
                          (v128.load (i32.add (local.get $mask) (local.get $o))))))
              (local.set $c (i32.add (local.get $c) (i32.const 4)))
              (br $l3)))
            (f32.store (i32.add (local.get $expo) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
          (f32.mul (local.get $inv)
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
              (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $row)))
  )

  ;; The fast scan's kink intervals through one ReLU of the tail (src/fast/unit-scan.ts): for each
  ;; active sample a (its probe index at samples[a], i32), the change γ·m of the ReLU's input u keeps
  ;; every unit on its side while lo[a] < γ < hi[a]; m = M[a, :] (f32, width entries) is then masked
  ;; by the ReLU at θ̂. u: n × width f64 (the cached input); lo, hi: S f64, narrowed in place.
  ;; The same f64 operations as the JavaScript loop (RowStack.reluIntervals), so the same intervals.
  ;; Two units per step in f64x2 (no branches): a lane's x raises l when it is larger (pmax keeps
  ;; the old value on ties, as `if (x > l) l = x` does), lowers h when smaller; the lanes are joined
  ;; at the end of the row (lo/hi are only compared with γ, so which of two equal values is kept
  ;; does not matter).
  (func (export "reluIntervals")
    (param $u i32) (param $samples i32) (param $S i32) (param $M i32) (param $width i32) (param $lo i32) (param $hi i32)
    (local $a i32) (local $e i32) (local $uo i32) (local $mo i32) (local $l f64) (local $h f64) (local $ub f64) (local $g f64)
    (local $x f64) (local $mp i32) (local $lv v128) (local $hv v128) (local $ub2 v128) (local $g2 v128) (local $x2 v128)
    (local $upos v128) (local $nz v128) (local $same v128) (local $m2 v128)
    (local.set $a (i32.const 0))
    (block $da (loop $la
      (br_if $da (i32.ge_u (local.get $a) (local.get $S)))
      (local.set $uo (i32.add (local.get $u)
        (i32.shl (i32.mul (i32.load (i32.add (local.get $samples) (i32.shl (local.get $a) (i32.const 2)))) (local.get $width)) (i32.const 3))))
      (local.set $mo (i32.add (local.get $M) (i32.shl (i32.mul (local.get $a) (local.get $width)) (i32.const 2))))
      (local.set $lv (f64x2.splat (f64.load (i32.add (local.get $lo) (i32.shl (local.get $a) (i32.const 3))))))
      (local.set $hv (f64x2.splat (f64.load (i32.add (local.get $hi) (i32.shl (local.get $a) (i32.const 3))))))
      (local.set $e (i32.const 0))
      (block $dv (loop $lv2
        (br_if $dv (i32.gt_u (i32.add (local.get $e) (i32.const 2)) (local.get $width)))
        (local.set $mp (i32.add (local.get $mo) (i32.shl (local.get $e) (i32.const 2))))
        (local.set $ub2 (v128.load (i32.add (local.get $uo) (i32.shl (local.get $e) (i32.const 3)))))
        (local.set $m2 (v128.load64_zero (local.get $mp)))
        (local.set $g2 (f64x2.promote_low_f32x4 (local.get $m2)))
        (local.set $x2 (f64x2.div (f64x2.neg (local.get $ub2)) (local.get $g2)))
        (local.set $upos (f64x2.gt (local.get $ub2) (f64x2.splat (f64.const 0))))
        (local.set $nz (f64x2.ne (local.get $g2) (f64x2.splat (f64.const 0))))
        (local.set $same (v128.not (v128.xor (local.get $upos) (f64x2.gt (local.get $g2) (f64x2.splat (f64.const 0))))))
        (local.set $lv (f64x2.pmax (local.get $lv)
          (v128.bitselect (local.get $x2) (f64x2.splat (f64.const -inf)) (v128.and (local.get $same) (local.get $nz)))))
        (local.set $hv (f64x2.pmin (local.get $hv)
          (v128.bitselect (local.get $x2) (f64x2.splat (f64.const inf)) (v128.andnot (local.get $nz) (local.get $same)))))
        ;; M where u > 0, else 0: the low 32 bits of each f64 lane's mask as the f32 lanes' masks
        (v128.store64_lane 0 (local.get $mp)
          (v128.and (local.get $m2) (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11 (local.get $upos) (local.get $upos))))
        (local.set $e (i32.add (local.get $e) (i32.const 2)))
        (br $lv2)))
      (local.set $l (f64x2.extract_lane 0 (local.get $lv)))
      (if (f64.gt (f64x2.extract_lane 1 (local.get $lv)) (local.get $l)) (then (local.set $l (f64x2.extract_lane 1 (local.get $lv)))))
      (local.set $h (f64x2.extract_lane 0 (local.get $hv)))
      (if (f64.lt (f64x2.extract_lane 1 (local.get $hv)) (local.get $h)) (then (local.set $h (f64x2.extract_lane 1 (local.get $hv)))))
      (if (i32.lt_u (local.get $e) (local.get $width)) (then
        (local.set $ub (f64.load (i32.add (local.get $uo) (i32.shl (local.get $e) (i32.const 3)))))
        (local.set $mp (i32.add (local.get $mo) (i32.shl (local.get $e) (i32.const 2))))
        (local.set $g (f64.promote_f32 (f32.load (local.get $mp))))
        (if (f64.ne (local.get $g) (f64.const 0)) (then
          (local.set $x (f64.div (f64.neg (local.get $ub)) (local.get $g)))
          (if (i32.eq (f64.gt (local.get $ub) (f64.const 0)) (f64.gt (local.get $g) (f64.const 0)))
            (then (if (f64.gt (local.get $x) (local.get $l)) (then (local.set $l (local.get $x)))))
            (else (if (f64.lt (local.get $x) (local.get $h)) (then (local.set $h (local.get $x))))))))
        (if (i32.eqz (f64.gt (local.get $ub) (f64.const 0))) (then (f32.store (local.get $mp) (f32.const 0))))))
      (f64.store (i32.add (local.get $lo) (i32.shl (local.get $a) (i32.const 3))) (local.get $l))
      (f64.store (i32.add (local.get $hi) (i32.shl (local.get $a) (i32.const 3))) (local.get $h))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $la)))
  )

  ;; ---- the eigensolver's O(n³) loops (src/math/linalg.ts, EISPACK tred2/tql2), f64 ----
  ;; The same arithmetic as the JavaScript loops, operation for operation (two lanes of f64x2 are
  ;; two independent scalar operations; reductions add lane 0 then lane 1 in order; no fused
  ;; multiply-add), so the eigenpairs are bit-identical to the JavaScript path.
  ;; W: n rows of n f64 (row j at W + 8·n·j); d, e, col: n f64 each.

  ;; tred2, for one i: for j < i { f = d[j]; W[i][j] = f; g = e[j] + W[j][j]·f;
  ;;   for k in j+1 … i−1 { g += W[j][k]·d[k]; e[k] += W[j][k]·f }; e[j] = g }
  (func (export "tred2Gather") (param $W i32) (param $d i32) (param $e i32) (param $i i32) (param $n i32)
    (local $j i32) (local $k i32) (local $row i32) (local $f f64) (local $g f64) (local $fv v128) (local $w v128)
    (local $pr v128) (local $ek i32) (local $dk i32) (local $wk i32)
    (local.set $j (i32.const 0))
    (block $dj (loop $lj
      (br_if $dj (i32.ge_u (local.get $j) (local.get $i)))
      (local.set $row (i32.add (local.get $W) (i32.shl (i32.mul (local.get $j) (local.get $n)) (i32.const 3))))
      (local.set $f (f64.load (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))))
      (f64.store (i32.add (local.get $W) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))
        (local.get $f))
      (local.set $g (f64.add (f64.load (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3))))
        (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))) (local.get $f))))
      (local.set $fv (f64x2.splat (local.get $f)))
      (local.set $k (i32.add (local.get $j) (i32.const 1)))
      ;; two at a time while k + 1 ≤ i − 1
      (block $dv (loop $lv
        (br_if $dv (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $i)))
        (local.set $wk (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $dk (i32.add (local.get $d) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $ek (i32.add (local.get $e) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $w (v128.load (local.get $wk)))
        (local.set $pr (f64x2.mul (local.get $w) (v128.load (local.get $dk))))
        (local.set $g (f64.add (local.get $g) (f64x2.extract_lane 0 (local.get $pr))))
        (local.set $g (f64.add (local.get $g) (f64x2.extract_lane 1 (local.get $pr))))
        (v128.store (local.get $ek) (f64x2.add (v128.load (local.get $ek)) (f64x2.mul (local.get $w) (local.get $fv))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $lv)))
      (if (i32.lt_u (local.get $k) (local.get $i)) (then
        (local.set $wk (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $ek (i32.add (local.get $e) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $g (f64.add (local.get $g)
          (f64.mul (f64.load (local.get $wk)) (f64.load (i32.add (local.get $d) (i32.shl (local.get $k) (i32.const 3)))))))
        (f64.store (local.get $ek) (f64.add (f64.load (local.get $ek)) (f64.mul (f64.load (local.get $wk)) (local.get $f))))))
      (f64.store (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3))) (local.get $g))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $lj))))

  ;; tred2, for one i: for j < i { f = d[j]; g = e[j]; for k in j … i−1 { W[j][k] −= f·e[k] + g·d[k] };
  ;;   d[j] = W[j][i−1]; W[j][i] = 0 }
  (func (export "tred2Update") (param $W i32) (param $d i32) (param $e i32) (param $i i32) (param $n i32)
    (local $j i32) (local $k i32) (local $row i32) (local $f f64) (local $g f64) (local $fv v128) (local $gv v128) (local $wk i32)
    (local.set $j (i32.const 0))
    (block $dj (loop $lj
      (br_if $dj (i32.ge_u (local.get $j) (local.get $i)))
      (local.set $row (i32.add (local.get $W) (i32.shl (i32.mul (local.get $j) (local.get $n)) (i32.const 3))))
      (local.set $f (f64.load (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))))
      (local.set $g (f64.load (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3)))))
      (local.set $fv (f64x2.splat (local.get $f)))
      (local.set $gv (f64x2.splat (local.get $g)))
      (local.set $k (local.get $j))
      (block $dv (loop $lv
        (br_if $dv (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $i)))
        (local.set $wk (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3))))
        (v128.store (local.get $wk) (f64x2.sub (v128.load (local.get $wk))
          (f64x2.add (f64x2.mul (local.get $fv) (v128.load (i32.add (local.get $e) (i32.shl (local.get $k) (i32.const 3)))))
                     (f64x2.mul (local.get $gv) (v128.load (i32.add (local.get $d) (i32.shl (local.get $k) (i32.const 3))))))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $lv)))
      (if (i32.lt_u (local.get $k) (local.get $i)) (then
        (local.set $wk (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3))))
        (f64.store (local.get $wk) (f64.sub (f64.load (local.get $wk))
          (f64.add (f64.mul (local.get $f) (f64.load (i32.add (local.get $e) (i32.shl (local.get $k) (i32.const 3)))))
                   (f64.mul (local.get $g) (f64.load (i32.add (local.get $d) (i32.shl (local.get $k) (i32.const 3))))))))))
      (f64.store (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))
        (f64.load (i32.add (local.get $row) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 3)))))
      (f64.store (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))) (f64.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $lj))))

  ;; tred2's accumulation, for one i: for j ≤ i { g = Σ_{k ≤ i} col[k]·W[j][k] (in order of k);
  ;;   for k ≤ i { W[j][k] −= g·d[k] } }. Rows are independent: four rows' sums run side by side
  ;; (each still in order of k) so the additions' latency overlaps.
  (func (export "tred2Accumulate") (param $W i32) (param $d i32) (param $col i32) (param $i i32) (param $n i32)
    (local $j i32) (local $rowB i32) (local $len i32) (local $r0 i32)
    (local.set $len (i32.add (local.get $i) (i32.const 1)))
    (local.set $rowB (i32.shl (local.get $n) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $d4 (loop $l4
      (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $len)))
      (local.set $r0 (i32.add (local.get $W) (i32.mul (local.get $j) (local.get $rowB))))
      (call $accumulateFour (local.get $r0) (local.get $rowB) (local.get $d) (local.get $col) (local.get $len))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $l4)))
    (block $dj (loop $lj
      (br_if $dj (i32.ge_u (local.get $j) (local.get $len)))
      (call $subtractMultiple (i32.add (local.get $W) (i32.mul (local.get $j) (local.get $rowB))) (local.get $d) (local.get $len)
        (call $dotInOrder (i32.add (local.get $W) (i32.mul (local.get $j) (local.get $rowB))) (local.get $col) (local.get $len)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $lj))))

  ;; Σ_{k < len} a[k]·b[k], added in order of k
  (func $dotInOrder (param $a i32) (param $b i32) (param $len i32) (result f64)
    (local $k i32) (local $g f64)
    (local.set $g (f64.const 0))
    (local.set $k (i32.const 0))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $k) (local.get $len)))
      (local.set $g (f64.add (local.get $g)
        (f64.mul (f64.load (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 3))))
                 (f64.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 3)))))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l)))
    (local.get $g))

  ;; row[k] −= g·d[k] for k < len
  (func $subtractMultiple (param $row i32) (param $d i32) (param $len i32) (param $g f64)
    (local $k i32) (local $gv v128) (local $wk i32)
    (local.set $gv (f64x2.splat (local.get $g)))
    (local.set $k (i32.const 0))
    (block $du (loop $lu
      (br_if $du (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $len)))
      (local.set $wk (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3))))
      (v128.store (local.get $wk) (f64x2.sub (v128.load (local.get $wk))
        (f64x2.mul (local.get $gv) (v128.load (i32.add (local.get $d) (i32.shl (local.get $k) (i32.const 3)))))))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $lu)))
    (if (i32.lt_u (local.get $k) (local.get $len)) (then
      (local.set $wk (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3))))
      (f64.store (local.get $wk) (f64.sub (f64.load (local.get $wk))
        (f64.mul (local.get $g) (f64.load (i32.add (local.get $d) (i32.shl (local.get $k) (i32.const 3))))))))))

  ;; tred2Accumulate for the four rows at r0, r0 + rowB, …: the four sums side by side
  (func $accumulateFour (param $r0 i32) (param $rowB i32) (param $d i32) (param $col i32) (param $len i32)
    (local $k i32) (local $o i32) (local $c f64) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $g0 f64) (local $g1 f64) (local $g2 f64) (local $g3 f64)
    (local.set $r1 (i32.add (local.get $r0) (local.get $rowB)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $rowB)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $rowB)))
    (local.set $g0 (f64.const 0))
    (local.set $g1 (f64.const 0))
    (local.set $g2 (f64.const 0))
    (local.set $g3 (f64.const 0))
    (local.set $k (i32.const 0))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $k) (local.get $len)))
      (local.set $o (i32.shl (local.get $k) (i32.const 3)))
      (local.set $c (f64.load (i32.add (local.get $col) (local.get $o))))
      (local.set $g0 (f64.add (local.get $g0) (f64.mul (local.get $c) (f64.load (i32.add (local.get $r0) (local.get $o))))))
      (local.set $g1 (f64.add (local.get $g1) (f64.mul (local.get $c) (f64.load (i32.add (local.get $r1) (local.get $o))))))
      (local.set $g2 (f64.add (local.get $g2) (f64.mul (local.get $c) (f64.load (i32.add (local.get $r2) (local.get $o))))))
      (local.set $g3 (f64.add (local.get $g3) (f64.mul (local.get $c) (f64.load (i32.add (local.get $r3) (local.get $o))))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l)))
    (call $subtractMultiple (local.get $r0) (local.get $d) (local.get $len) (local.get $g0))
    (call $subtractMultiple (local.get $r1) (local.get $d) (local.get $len) (local.get $g1))
    (call $subtractMultiple (local.get $r2) (local.get $d) (local.get $len) (local.get $g2))
    (call $subtractMultiple (local.get $r3) (local.get $d) (local.get $len) (local.get $g3)))

  ;; tql2's plane rotation of two columns a, b (n f64 each): b[k] = s·a[k] + c·b[k]; a[k] = c·a[k] − s·b[k] (old b)
  (func (export "rotate") (param $a i32) (param $b i32) (param $c f64) (param $s f64) (param $n i32)
    (local $k i32) (local $cv v128) (local $sv v128) (local $av v128) (local $bv v128) (local $o i32) (local $bk f64) (local $ak f64)
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $sv (f64x2.splat (local.get $s)))
    (local.set $k (i32.const 0))
    (block $dv (loop $lv
      (br_if $dv (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $n)))
      (local.set $o (i32.shl (local.get $k) (i32.const 3)))
      (local.set $av (v128.load (i32.add (local.get $a) (local.get $o))))
      (local.set $bv (v128.load (i32.add (local.get $b) (local.get $o))))
      (v128.store (i32.add (local.get $b) (local.get $o))
        (f64x2.add (f64x2.mul (local.get $sv) (local.get $av)) (f64x2.mul (local.get $cv) (local.get $bv))))
      (v128.store (i32.add (local.get $a) (local.get $o))
        (f64x2.sub (f64x2.mul (local.get $cv) (local.get $av)) (f64x2.mul (local.get $sv) (local.get $bv))))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $lv)))
    (if (i32.lt_u (local.get $k) (local.get $n)) (then
      (local.set $o (i32.shl (local.get $k) (i32.const 3)))
      (local.set $ak (f64.load (i32.add (local.get $a) (local.get $o))))
      (local.set $bk (f64.load (i32.add (local.get $b) (local.get $o))))
      (f64.store (i32.add (local.get $b) (local.get $o))
        (f64.add (f64.mul (local.get $s) (local.get $ak)) (f64.mul (local.get $c) (local.get $bk))))
      (f64.store (i32.add (local.get $a) (local.get $o))
        (f64.sub (f64.mul (local.get $c) (local.get $ak)) (f64.mul (local.get $s) (local.get $bk)))))))
)
