;; json-stream's scan of an object or array in WebAssembly: the same results as scanJsonValue in
;; src/framing/json-scan.ts, whatever the bytes (test/node-streams/json-scanner.test.ts checks
;; them against each other). json-scanner.ts loads one chunk at address 0, with 16 bytes of slack
;; after it so that a 16-byte load at its end stays inside memory (bytes past the chunk are masked
;; off), and calls scan().
;;
;; After editing, run `npm run build:wasm`: it assembles this file into json-scanner-wasm.ts.
;;
;; A state is depth * 4 + escapePending * 2 + inString (json-scan.ts's ScanState); scan() returns
;; the position just after the value, or -1 - the state at the chunk's end.
(module
  (memory (export "memory") 1)

  ;; The main scan, 16 bytes per step: the block's quotes, backslashes, openers and closers as bit
  ;; masks, then which bytes are escaped (a run of backslashes escapes the byte after it when odd;
  ;; simdjson's method: adding the backslash masks carries through each run), which are inside a
  ;; string (a prefix xor of the unescaped quotes), and the brackets outside strings one by one.
  ;; Those masks treat every backslash as an escape, which is right inside strings only; a block
  ;; with a backslash outside a string goes to $sequential from its start.
  (func (export "scan") (param $i i32) (param $n i32) (param $state i32) (result i32)
    (local $depth i32) (local $inString i32) (local $escaped i32)
    (local $rem i32) (local $valid i32) (local $v v128) (local $w v128)
    (local $quotes i32) (local $backslashes i32) (local $openers i32) (local $brackets i32)
    (local $follows i32) (local $oddStarts i32) (local $escapes i32) (local $strings i32) (local $j i32)
    (local.set $depth (i32.shr_u (local.get $state) (i32.const 2)))
    ;; all ones while in a string: the prefix xor of the next block flips from there
    (local.set $inString (i32.sub (i32.const 0) (i32.and (local.get $state) (i32.const 1))))
    ;; 1 when the first byte of the next block is escaped
    (local.set $escaped (i32.and (i32.shr_u (local.get $state) (i32.const 1)) (i32.and (local.get $state) (i32.const 1))))
    (loop $block (result i32)
      (local.set $rem (i32.sub (local.get $n) (local.get $i)))
      (if (i32.le_s (local.get $rem) (i32.const 0))
        (then (return (i32.sub (i32.const -1) (i32.or (i32.shl (local.get $depth) (i32.const 2))
          (i32.or (i32.and (local.get $inString) (i32.const 1)) (i32.shl (local.get $escaped) (i32.const 1))))))))
      (local.set $valid (if (result i32) (i32.lt_u (local.get $rem) (i32.const 16))
        (then (i32.sub (i32.shl (i32.const 1) (local.get $rem)) (i32.const 1)))
        (else (i32.const 0xffff))))
      (local.set $v (v128.load (local.get $i)))
      ;; `[` and `]` are `{` and `}` less 0x20, and no other byte is
      (local.set $w (v128.or (local.get $v) (i8x16.splat (i32.const 0x20))))
      (local.set $quotes (i32.and (local.get $valid) (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22))))))
      (local.set $backslashes (i32.and (local.get $valid) (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))))
      (local.set $openers (i32.and (local.get $valid) (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7b))))))
      (local.set $brackets (i32.or (local.get $openers)
        (i32.and (local.get $valid) (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7d)))))))
      ;; escapes: bit k set when byte k is escaped; bit 16 is the next block's first byte (no
      ;; branch: backslashes are frequent in text and a mispredicted branch costs more)
      ;; an escaped backslash starts no escape
      (local.set $backslashes (i32.and (local.get $backslashes) (i32.xor (local.get $escaped) (i32.const -1))))
      (local.set $follows (i32.or (i32.shl (local.get $backslashes) (i32.const 1)) (local.get $escaped)))
      (local.set $oddStarts (i32.and (local.get $backslashes)
        (i32.and (i32.xor (local.get $follows) (i32.const -1)) (i32.const 0xaaaa))))
      (local.set $escapes (i32.and (local.get $follows) (i32.xor (i32.const 0x15555)
        (i32.shl (i32.and (i32.add (local.get $oddStarts) (local.get $backslashes)) (i32.const 0xffff)) (i32.const 1)))))
      (local.set $quotes (i32.and (local.get $quotes) (i32.xor (local.get $escapes) (i32.const -1))))
      ;; strings: bit k set when byte k is inside a string (an opening quote is, a closing one not)
      (local.set $strings (local.get $quotes))
      (local.set $strings (i32.xor (local.get $strings) (i32.shl (local.get $strings) (i32.const 1))))
      (local.set $strings (i32.xor (local.get $strings) (i32.shl (local.get $strings) (i32.const 2))))
      (local.set $strings (i32.xor (local.get $strings) (i32.shl (local.get $strings) (i32.const 4))))
      (local.set $strings (i32.xor (local.get $strings) (i32.shl (local.get $strings) (i32.const 8))))
      (local.set $strings (i32.and (i32.xor (local.get $strings) (local.get $inString)) (i32.const 0xffff)))
      (if (i32.and (i32.or (local.get $backslashes) (local.get $escaped)) (i32.xor (local.get $strings) (i32.const -1)))
        (then (return (call $sequential (local.get $i) (local.get $n) (local.get $depth)
          (i32.and (local.get $inString) (i32.const 1)) (local.get $escaped)))))
      (local.set $brackets (i32.and (local.get $brackets) (i32.xor (local.get $strings) (i32.const -1))))
      (block $counted
        (loop $bracket
          (br_if $counted (i32.eqz (local.get $brackets)))
          (local.set $j (i32.ctz (local.get $brackets)))
          (if (i32.and (i32.shr_u (local.get $openers) (local.get $j)) (i32.const 1))
            (then (local.set $depth (i32.add (local.get $depth) (i32.const 1))))
            (else
              (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
              (if (i32.eqz (local.get $depth))
                (then (return (i32.add (i32.add (local.get $i) (local.get $j)) (i32.const 1)))))))
          (local.set $brackets (i32.and (local.get $brackets) (i32.sub (local.get $brackets) (i32.const 1))))
          (br $bracket)))
      (if (i32.lt_u (local.get $rem) (i32.const 16))
        (then
          (local.set $inString (i32.sub (i32.const 0)
            (i32.and (i32.shr_u (local.get $strings) (i32.sub (local.get $rem) (i32.const 1))) (i32.const 1))))
          (local.set $escaped (i32.and (i32.shr_u (local.get $escapes) (local.get $rem)) (i32.const 1))))
        (else
          (local.set $inString (i32.sub (i32.const 0) (i32.shr_u (local.get $strings) (i32.const 15))))
          (local.set $escaped (i32.shr_u (local.get $escapes) (i32.const 16)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $block)))

  ;; scanJsonValue byte by byte, for blocks the masks cannot read: the framer's own loop, with a
  ;; 16-byte step through string content.
  (func $sequential (param $i i32) (param $n i32) (param $depth i32) (param $inString i32) (param $escaped i32) (result i32)
    (local $c i32)
    (if (local.get $inString)
      (then
        (local.set $i (call $skipString (i32.add (local.get $i) (local.get $escaped)) (local.get $n)))
        (if (i32.ge_u (local.get $i) (local.get $n))
          (then (return (call $stoppedInString (local.get $i) (local.get $n) (local.get $depth)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))))
    (loop $byte (result i32)
      (if (i32.ge_u (local.get $i) (local.get $n))
        (then (return (i32.sub (i32.const -1) (i32.shl (local.get $depth) (i32.const 2))))))
      (local.set $c (i32.load8_u (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (if (i32.eq (local.get $c) (i32.const 0x22))
        (then
          (local.set $i (call $skipString (local.get $i) (local.get $n)))
          (if (i32.ge_u (local.get $i) (local.get $n))
            (then (return (call $stoppedInString (local.get $i) (local.get $n) (local.get $depth)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $byte)))
      (if (i32.eq (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x7b))
        (then
          (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
          (br $byte)))
      (if (i32.eq (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x7d))
        (then
          (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
          (if (i32.eqz (local.get $depth)) (then (return (local.get $i))))))
      (br $byte)))

  ;; -1 - the state of a scan stopped in a string; $end > $n when the chunk ends on a backslash
  (func $stoppedInString (param $end i32) (param $n i32) (param $depth i32) (result i32)
    (i32.sub (i32.const -1) (i32.or (i32.shl (local.get $depth) (i32.const 2))
      (select (i32.const 3) (i32.const 1) (i32.gt_u (local.get $end) (local.get $n))))))

  ;; String content from $i: the position of the closing quote, $n if the string goes on past the
  ;; chunk, $n + 1 if the chunk ends on a backslash (json-scan.ts's skipStringBody).
  (func $skipString (param $i i32) (param $n i32) (result i32)
    (local $v v128) (local $m i32) (local $rem i32)
    (loop $block (result i32)
      (local.set $rem (i32.sub (local.get $n) (local.get $i)))
      (local.set $v (v128.load (local.get $i)))
      (local.set $m (i8x16.bitmask (v128.or
        (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22)))
        (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))))
      (if (i32.lt_u (local.get $rem) (i32.const 16))
        (then (local.set $m (i32.and (local.get $m) (i32.sub (i32.shl (i32.const 1) (local.get $rem)) (i32.const 1))))))
      (if (i32.eqz (local.get $m))
        (then
          (if (i32.le_u (local.get $rem) (i32.const 16)) (then (return (local.get $n))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $block)))
      (local.set $i (i32.add (local.get $i) (i32.ctz (local.get $m))))
      (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 0x22)) (then (return (local.get $i))))
      ;; a backslash: the byte after it is escaped
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (if (i32.ge_u (local.get $i) (local.get $n)) (then (return (local.get $i))))
      (br $block))))
