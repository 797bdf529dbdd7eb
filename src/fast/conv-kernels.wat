;; The pattern scan's f32 convolution in WebAssembly SIMD (f32x4): compiled by scripts/build-wasm.mjs
;; into src/fast/conv-kernels-wasm.ts (checked in; test/fast/wasm.test.ts recompiles and compares).
;; Pointers are byte offsets into the exported memory.
;;
;; y[o, p] = Σ_{ci, i, j} Wt[chan(ci), i, j, o] · x[ci, pos(p) + i·Wp + j]: a direct convolution with
;; the weights laid out output-channel innermost, so four output channels are one f32x4 and each input
;; value is splatted once per tile. A tile is 16 output channels (four vectors) × 2 output positions
;; (eight accumulators), then 4 channels × 2 positions for the rest. Stride and padding live in the
;; caller's position table (the input is already padded): inside a window the steps are always 1 and Wp.
(module
  (memory (export "memory") 1)

  ;; The four lanes of v at addr, addr + step, addr + 2·step, addr + 3·step.
  (func $store4 (param $addr i32) (param $step i32) (param $v v128)
    (f32.store (local.get $addr) (f32x4.extract_lane 0 (local.get $v)))
    (local.set $addr (i32.add (local.get $addr) (local.get $step)))
    (f32.store (local.get $addr) (f32x4.extract_lane 1 (local.get $v)))
    (local.set $addr (i32.add (local.get $addr) (local.get $step)))
    (f32.store (local.get $addr) (f32x4.extract_lane 2 (local.get $v)))
    (local.set $addr (i32.add (local.get $addr) (local.get $step)))
    (f32.store (local.get $addr) (f32x4.extract_lane 3 (local.get $v))))

  ;; x: f32 [nC][plane] (padded input, rows of Wp); chans: i32 [nC], byte offset in Wt of each input
  ;; channel's weights; Wt: f32 [..][kh][kw][Opad] (Opad a multiple of 4); pos: i32 [P], byte offset in
  ;; a channel of each output position's window corner; y: f32 [Opad][P] (overwritten).
  (func (export "conv")
    (param $x i32) (param $plane i32) (param $Wp i32) (param $chans i32) (param $nC i32)
    (param $Wt i32) (param $Opad i32) (param $kh i32) (param $kw i32) (param $pos i32) (param $P i32) (param $y i32)
    (local $ob i32) (local $p i32) (local $pa i32) (local $pb i32) (local $ci i32) (local $i i32) (local $j i32)
    (local $wp i32) (local $xa i32) (local $xb i32) (local $wStep i32) (local $rowSkip i32) (local $planeB i32)
    (local $Pb i32) (local $ya i32) (local $two i32)
    (local $va v128) (local $vb v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $wStep (i32.shl (local.get $Opad) (i32.const 2)))
    (local.set $rowSkip (i32.shl (i32.sub (local.get $Wp) (local.get $kw)) (i32.const 2)))
    (local.set $planeB (i32.shl (local.get $plane) (i32.const 2)))
    (local.set $Pb (i32.shl (local.get $P) (i32.const 2)))
    ;; sixteen output channels at a time
    (local.set $ob (i32.const 0))
    (block $sixteenDone
      (loop $sixteen
        (br_if $sixteenDone (i32.gt_u (i32.add (local.get $ob) (i32.const 16)) (local.get $Opad)))
        (local.set $p (i32.const 0))
        (block $posDone
          (loop $posLoop
            (br_if $posDone (i32.ge_u (local.get $p) (local.get $P)))
            (local.set $two (i32.lt_u (i32.add (local.get $p) (i32.const 1)) (local.get $P)))
            (local.set $pa (i32.load (i32.add (local.get $pos) (i32.shl (local.get $p) (i32.const 2)))))
            ;; one position left: the second repeats it (stored once)
            (local.set $pb (select
              (i32.load offset=4 (i32.add (local.get $pos) (i32.shl (local.get $p) (i32.const 2))))
              (local.get $pa) (local.get $two)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $b0 (v128.const i32x4 0 0 0 0))
            (local.set $b1 (v128.const i32x4 0 0 0 0))
            (local.set $b2 (v128.const i32x4 0 0 0 0))
            (local.set $b3 (v128.const i32x4 0 0 0 0))
            (local.set $ci (i32.const 0))
            (block $chDone
              (loop $chLoop
                (br_if $chDone (i32.ge_u (local.get $ci) (local.get $nC)))
                (local.set $wp (i32.add (i32.add (local.get $Wt) (i32.shl (local.get $ob) (i32.const 2)))
                  (i32.load (i32.add (local.get $chans) (i32.shl (local.get $ci) (i32.const 2))))))
                (local.set $xa (i32.add (i32.add (local.get $x) (i32.mul (local.get $ci) (local.get $planeB))) (local.get $pa)))
                (local.set $xb (i32.add (i32.add (local.get $x) (i32.mul (local.get $ci) (local.get $planeB))) (local.get $pb)))
                (local.set $i (i32.const 0))
                (block $rowsDone
                  (loop $rowLoop
                    (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $kh)))
                    (local.set $j (i32.const 0))
                    (block $colsDone
                      (loop $colLoop
                        (br_if $colsDone (i32.ge_u (local.get $j) (local.get $kw)))
                        (local.set $va (v128.load32_splat (local.get $xa)))
                        (local.set $vb (v128.load32_splat (local.get $xb)))
                        (local.set $w0 (v128.load offset=0 (local.get $wp)))
                        (local.set $w1 (v128.load offset=16 (local.get $wp)))
                        (local.set $w2 (v128.load offset=32 (local.get $wp)))
                        (local.set $w3 (v128.load offset=48 (local.get $wp)))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $va))))
                        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w1) (local.get $va))))
                        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w2) (local.get $va))))
                        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w3) (local.get $va))))
                        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $w0) (local.get $vb))))
                        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $w1) (local.get $vb))))
                        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $w2) (local.get $vb))))
                        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $w3) (local.get $vb))))
                        (local.set $wp (i32.add (local.get $wp) (local.get $wStep)))
                        (local.set $xa (i32.add (local.get $xa) (i32.const 4)))
                        (local.set $xb (i32.add (local.get $xb) (i32.const 4)))
                        (local.set $j (i32.add (local.get $j) (i32.const 1)))
                        (br $colLoop)))
                    (local.set $xa (i32.add (local.get $xa) (local.get $rowSkip)))
                    (local.set $xb (i32.add (local.get $xb) (local.get $rowSkip)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $rowLoop)))
                (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
                (br $chLoop)))
            ;; y[ob + l, p]: lanes are output channels, P positions apart
            (local.set $ya (i32.add (i32.add (local.get $y) (i32.mul (local.get $ob) (local.get $Pb))) (i32.shl (local.get $p) (i32.const 2))))
            (call $store4 (local.get $ya) (local.get $Pb) (local.get $a0))
            (call $store4 (i32.add (local.get $ya) (i32.shl (local.get $Pb) (i32.const 2))) (local.get $Pb) (local.get $a1))
            (call $store4 (i32.add (local.get $ya) (i32.shl (local.get $Pb) (i32.const 3))) (local.get $Pb) (local.get $a2))
            (call $store4 (i32.add (local.get $ya) (i32.mul (local.get $Pb) (i32.const 12))) (local.get $Pb) (local.get $a3))
            (if (local.get $two)
              (then
                (local.set $ya (i32.add (local.get $ya) (i32.const 4)))
                (call $store4 (local.get $ya) (local.get $Pb) (local.get $b0))
                (call $store4 (i32.add (local.get $ya) (i32.shl (local.get $Pb) (i32.const 2))) (local.get $Pb) (local.get $b1))
                (call $store4 (i32.add (local.get $ya) (i32.shl (local.get $Pb) (i32.const 3))) (local.get $Pb) (local.get $b2))
                (call $store4 (i32.add (local.get $ya) (i32.mul (local.get $Pb) (i32.const 12))) (local.get $Pb) (local.get $b3))))
            (local.set $p (i32.add (local.get $p) (i32.const 2)))
            (br $posLoop)))
        (local.set $ob (i32.add (local.get $ob) (i32.const 16)))
        (br $sixteen)))
    ;; the rest, four output channels at a time
    (block $fourDone
      (loop $four
        (br_if $fourDone (i32.ge_u (local.get $ob) (local.get $Opad)))
        (local.set $p (i32.const 0))
        (block $posDone4
          (loop $posLoop4
            (br_if $posDone4 (i32.ge_u (local.get $p) (local.get $P)))
            (local.set $two (i32.lt_u (i32.add (local.get $p) (i32.const 1)) (local.get $P)))
            (local.set $pa (i32.load (i32.add (local.get $pos) (i32.shl (local.get $p) (i32.const 2)))))
            (local.set $pb (select
              (i32.load offset=4 (i32.add (local.get $pos) (i32.shl (local.get $p) (i32.const 2))))
              (local.get $pa) (local.get $two)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $b0 (v128.const i32x4 0 0 0 0))
            (local.set $ci (i32.const 0))
            (block $chDone4
              (loop $chLoop4
                (br_if $chDone4 (i32.ge_u (local.get $ci) (local.get $nC)))
                (local.set $wp (i32.add (i32.add (local.get $Wt) (i32.shl (local.get $ob) (i32.const 2)))
                  (i32.load (i32.add (local.get $chans) (i32.shl (local.get $ci) (i32.const 2))))))
                (local.set $xa (i32.add (i32.add (local.get $x) (i32.mul (local.get $ci) (local.get $planeB))) (local.get $pa)))
                (local.set $xb (i32.add (i32.add (local.get $x) (i32.mul (local.get $ci) (local.get $planeB))) (local.get $pb)))
                (local.set $i (i32.const 0))
                (block $rowsDone4
                  (loop $rowLoop4
                    (br_if $rowsDone4 (i32.ge_u (local.get $i) (local.get $kh)))
                    (local.set $j (i32.const 0))
                    (block $colsDone4
                      (loop $colLoop4
                        (br_if $colsDone4 (i32.ge_u (local.get $j) (local.get $kw)))
                        (local.set $w0 (v128.load (local.get $wp)))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (v128.load32_splat (local.get $xa)))))
                        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $w0) (v128.load32_splat (local.get $xb)))))
                        (local.set $wp (i32.add (local.get $wp) (local.get $wStep)))
                        (local.set $xa (i32.add (local.get $xa) (i32.const 4)))
                        (local.set $xb (i32.add (local.get $xb) (i32.const 4)))
                        (local.set $j (i32.add (local.get $j) (i32.const 1)))
                        (br $colLoop4)))
                    (local.set $xa (i32.add (local.get $xa) (local.get $rowSkip)))
                    (local.set $xb (i32.add (local.get $xb) (local.get $rowSkip)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $rowLoop4)))
                (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
                (br $chLoop4)))
            (local.set $ya (i32.add (i32.add (local.get $y) (i32.mul (local.get $ob) (local.get $Pb))) (i32.shl (local.get $p) (i32.const 2))))
            (call $store4 (local.get $ya) (local.get $Pb) (local.get $a0))
            (if (local.get $two)
              (then (call $store4 (i32.add (local.get $ya) (i32.const 4)) (local.get $Pb) (local.get $b0))))
            (local.set $p (i32.add (local.get $p) (i32.const 2)))
            (br $posLoop4)))
        (local.set $ob (i32.add (local.get $ob) (i32.const 4)))
        (br $four))))

  ;; y[p, o] += Wt[ch, i, j, o]·vd[k] (yd) and ·vt[k] (yt) for each listed entry k of a stride-1
  ;; input (entry e = ch·plane + r·w + c) and each kernel tap (i, j) whose output position
  ;; p = (r + ph − i)·ow + (c + pw − j) lies inside oh × ow: a sparse correction scattered through the
  ;; layer. idx: i32 [n]; vd, vt: f32 [n]; Wt as for conv; yd, yt: f32 [P][Opad] (position-major, so
  ;; a tap adds Opad contiguous outputs). Returns the number of taps taken.
  (func (export "scatter")
    (param $idx i32) (param $vd i32) (param $vt i32) (param $n i32)
    (param $Wt i32) (param $Opad i32) (param $plane i32) (param $w i32) (param $kh i32) (param $kw i32)
    (param $ph i32) (param $pw i32) (param $oh i32) (param $ow i32) (param $yd i32) (param $yt i32)
    (result i32)
    (local $k i32) (local $e i32) (local $ch i32) (local $rem i32) (local $r i32) (local $c i32)
    (local $i i32) (local $j i32) (local $oy i32) (local $ox i32) (local $wp i32) (local $yo i32) (local $o i32)
    (local $OpadB i32) (local $taps i32) (local $a i32)
    (local $sd v128) (local $st v128) (local $wv v128)
    (local.set $OpadB (i32.shl (local.get $Opad) (i32.const 2)))
    (local.set $k (i32.const 0))
    (block $done
      (loop $entries
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $e (i32.load (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $sd (v128.load32_splat (i32.add (local.get $vd) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $st (v128.load32_splat (i32.add (local.get $vt) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $ch (i32.div_u (local.get $e) (local.get $plane)))
        (local.set $rem (i32.sub (local.get $e) (i32.mul (local.get $ch) (local.get $plane))))
        (local.set $r (i32.div_u (local.get $rem) (local.get $w)))
        (local.set $c (i32.sub (local.get $rem) (i32.mul (local.get $r) (local.get $w))))
        (local.set $i (i32.const 0))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $kh)))
            (local.set $oy (i32.sub (i32.add (local.get $r) (local.get $ph)) (local.get $i)))
            (if (i32.and (i32.ge_s (local.get $oy) (i32.const 0)) (i32.lt_s (local.get $oy) (local.get $oh)))
              (then
                (local.set $j (i32.const 0))
                (block $colsDone
                  (loop $cols
                    (br_if $colsDone (i32.ge_u (local.get $j) (local.get $kw)))
                    (local.set $ox (i32.sub (i32.add (local.get $c) (local.get $pw)) (local.get $j)))
                    (if (i32.and (i32.ge_s (local.get $ox) (i32.const 0)) (i32.lt_s (local.get $ox) (local.get $ow)))
                      (then
                        (local.set $taps (i32.add (local.get $taps) (i32.const 1)))
                        ;; Wt at ((ch·kh + i)·kw + j)·Opad floats; y at p·Opad floats
                        (local.set $wp (i32.add (local.get $Wt) (i32.mul
                          (i32.add (i32.mul (i32.add (i32.mul (local.get $ch) (local.get $kh)) (local.get $i)) (local.get $kw)) (local.get $j))
                          (local.get $OpadB))))
                        (local.set $yo (i32.mul (i32.add (i32.mul (local.get $oy) (local.get $ow)) (local.get $ox)) (local.get $OpadB)))
                        (local.set $o (i32.const 0))
                        (block $outsDone
                          (loop $outs
                            (br_if $outsDone (i32.ge_u (local.get $o) (local.get $OpadB)))
                            (local.set $wv (v128.load (i32.add (local.get $wp) (local.get $o))))
                            (local.set $a (i32.add (i32.add (local.get $yd) (local.get $yo)) (local.get $o)))
                            (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (f32x4.mul (local.get $wv) (local.get $sd))))
                            (local.set $a (i32.add (i32.add (local.get $yt) (local.get $yo)) (local.get $o)))
                            (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (f32x4.mul (local.get $wv) (local.get $st))))
                            (local.set $o (i32.add (local.get $o) (i32.const 16)))
                            (br $outs)))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $cols)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $entries)))
    (local.get $taps))
)
