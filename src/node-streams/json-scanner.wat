;; json-stream's scan of an object or array in WebAssembly: the same results as scanJsonValue in
;; src/framing/json-scan.ts, whatever the bytes (test/node-streams/json-scanner.test.ts checks
;; them against each other). json-scanner.ts loads one chunk at address 0, with 64 bytes of slack
;; after it so that a 64-byte block at its end stays inside memory (bytes past the chunk are masked
;; off), and calls scan().
;;
;; After editing, run `npm run build:wasm`: it assembles this file into json-scanner-wasm.ts.
;;
;; A state is depth * 4 + escapePending * 2 + inString (json-scan.ts's ScanState); scan() returns
;; the position just after the value, or -1 - the state at the chunk's end.
(module
  (memory (export "memory") 1)

  ;; The main scan, 64 bytes per step: the block's quotes, backslashes, openers and closers as bit
  ;; masks, then which bytes are escaped (a run of backslashes escapes the byte after it when odd;
  ;; simdjson's method: adding the backslash masks carries through each run), which are inside a
  ;; string (a prefix xor of the unescaped quotes), and the brackets outside strings one by one.
  ;; Those masks treat every backslash as an escape, which is right inside strings only; a block
  ;; with a backslash outside a string goes to $sequential from its start.
  (func (export "scan") (param $i i32) (param $n i32) (param $state i32) (result i32)
    (local $depth i32) (local $rem i32) (local $j i32) (local $v v128) (local $w v128)
    (local $inString i64) (local $escaped i64) (local $valid i64)
    (local $quotes i64) (local $backslashes i64) (local $openers i64) (local $closers i64) (local $brackets i64)
    (local $follows i64) (local $oddStarts i64) (local $sum i64) (local $escapes i64) (local $strings i64)
    (local.set $depth (i32.shr_u (local.get $state) (i32.const 2)))
    ;; all ones while in a string: the prefix xor of the next block flips from there
    (local.set $inString (i64.sub (i64.const 0) (i64.extend_i32_u (i32.and (local.get $state) (i32.const 1)))))
    ;; 1 when the first byte of the next block is escaped
    (local.set $escaped (i64.extend_i32_u (i32.and (i32.shr_u (local.get $state) (i32.const 1)) (i32.and (local.get $state) (i32.const 1)))))
    (loop $block (result i32)
      (local.set $rem (i32.sub (local.get $n) (local.get $i)))
      (if (i32.le_s (local.get $rem) (i32.const 0))
        (then (return (i32.sub (i32.const -1) (i32.or (i32.shl (local.get $depth) (i32.const 2))
          (i32.wrap_i64 (i64.or (i64.and (local.get $inString) (i64.const 1)) (i64.shl (local.get $escaped) (i64.const 1)))))))))
      (local.set $valid (if (result i64) (i32.lt_u (local.get $rem) (i32.const 64))
        (then (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $rem))) (i64.const 1)))
        (else (i64.const -1))))
      (local.set $quotes (i64.const 0))
      (local.set $backslashes (i64.const 0))
      (local.set $openers (i64.const 0))
      (local.set $closers (i64.const 0))
      ;; `[` and `]` are `{` and `}` less 0x20, and no other byte is
      (local.set $v (v128.load (local.get $i)))
      (local.set $w (v128.or (local.get $v) (i8x16.splat (i32.const 0x20))))
      (local.set $quotes (i64.or (local.get $quotes) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22))))) (i64.const 0))))
      (local.set $backslashes (i64.or (local.get $backslashes) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))) (i64.const 0))))
      (local.set $openers (i64.or (local.get $openers) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7b))))) (i64.const 0))))
      (local.set $closers (i64.or (local.get $closers) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7d))))) (i64.const 0))))
      (local.set $v (v128.load offset=16 (local.get $i)))
      (local.set $w (v128.or (local.get $v) (i8x16.splat (i32.const 0x20))))
      (local.set $quotes (i64.or (local.get $quotes) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22))))) (i64.const 16))))
      (local.set $backslashes (i64.or (local.get $backslashes) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))) (i64.const 16))))
      (local.set $openers (i64.or (local.get $openers) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7b))))) (i64.const 16))))
      (local.set $closers (i64.or (local.get $closers) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7d))))) (i64.const 16))))
      (local.set $v (v128.load offset=32 (local.get $i)))
      (local.set $w (v128.or (local.get $v) (i8x16.splat (i32.const 0x20))))
      (local.set $quotes (i64.or (local.get $quotes) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22))))) (i64.const 32))))
      (local.set $backslashes (i64.or (local.get $backslashes) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))) (i64.const 32))))
      (local.set $openers (i64.or (local.get $openers) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7b))))) (i64.const 32))))
      (local.set $closers (i64.or (local.get $closers) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7d))))) (i64.const 32))))
      (local.set $v (v128.load offset=48 (local.get $i)))
      (local.set $w (v128.or (local.get $v) (i8x16.splat (i32.const 0x20))))
      (local.set $quotes (i64.or (local.get $quotes) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22))))) (i64.const 48))))
      (local.set $backslashes (i64.or (local.get $backslashes) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))) (i64.const 48))))
      (local.set $openers (i64.or (local.get $openers) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7b))))) (i64.const 48))))
      (local.set $closers (i64.or (local.get $closers) (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $w) (i8x16.splat (i32.const 0x7d))))) (i64.const 48))))
      (local.set $quotes (i64.and (local.get $quotes) (local.get $valid)))
      (local.set $backslashes (i64.and (local.get $backslashes) (local.get $valid)))
      (local.set $openers (i64.and (local.get $openers) (local.get $valid)))
      (local.set $brackets (i64.and (i64.or (local.get $openers) (local.get $closers)) (local.get $valid)))
      ;; escapes: bit k set when byte k is escaped; the sum's carry is the next block's first byte
      ;; (no branch: backslashes are frequent in text and a mispredicted branch costs more)
      ;; an escaped backslash starts no escape
      (local.set $backslashes (i64.and (local.get $backslashes) (i64.xor (local.get $escaped) (i64.const -1))))
      (local.set $follows (i64.or (i64.shl (local.get $backslashes) (i64.const 1)) (local.get $escaped)))
      (local.set $oddStarts (i64.and (local.get $backslashes)
        (i64.and (i64.xor (local.get $follows) (i64.const -1)) (i64.const 0xaaaaaaaaaaaaaaaa))))
      (local.set $sum (i64.add (local.get $oddStarts) (local.get $backslashes)))
      (local.set $escapes (i64.and (local.get $follows)
        (i64.xor (i64.const 0x5555555555555555) (i64.shl (local.get $sum) (i64.const 1)))))
      (local.set $quotes (i64.and (local.get $quotes) (i64.xor (local.get $escapes) (i64.const -1))))
      ;; strings: bit k set when byte k is inside a string (an opening quote is, a closing one not)
      (local.set $strings (local.get $quotes))
      (local.set $strings (i64.xor (local.get $strings) (i64.shl (local.get $strings) (i64.const 1))))
      (local.set $strings (i64.xor (local.get $strings) (i64.shl (local.get $strings) (i64.const 2))))
      (local.set $strings (i64.xor (local.get $strings) (i64.shl (local.get $strings) (i64.const 4))))
      (local.set $strings (i64.xor (local.get $strings) (i64.shl (local.get $strings) (i64.const 8))))
      (local.set $strings (i64.xor (local.get $strings) (i64.shl (local.get $strings) (i64.const 16))))
      (local.set $strings (i64.xor (local.get $strings) (i64.shl (local.get $strings) (i64.const 32))))
      (local.set $strings (i64.xor (local.get $strings) (local.get $inString)))
      (if (i64.ne (i64.and (i64.or (local.get $backslashes) (local.get $escaped)) (i64.xor (local.get $strings) (i64.const -1))) (i64.const 0))
        (then (return (call $sequential (local.get $i) (local.get $n) (local.get $depth)
          (i32.wrap_i64 (i64.and (local.get $inString) (i64.const 1))) (i32.wrap_i64 (local.get $escaped))))))
      (local.set $brackets (i64.and (local.get $brackets) (i64.xor (local.get $strings) (i64.const -1))))
      (block $counted
        (loop $bracket
          (br_if $counted (i64.eqz (local.get $brackets)))
          (local.set $j (i32.wrap_i64 (i64.ctz (local.get $brackets))))
          (if (i32.wrap_i64 (i64.and (i64.shr_u (local.get $openers) (i64.extend_i32_u (local.get $j))) (i64.const 1)))
            (then (local.set $depth (i32.add (local.get $depth) (i32.const 1))))
            (else
              (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
              (if (i32.eqz (local.get $depth))
                (then (return (i32.add (i32.add (local.get $i) (local.get $j)) (i32.const 1)))))))
          (local.set $brackets (i64.and (local.get $brackets) (i64.sub (local.get $brackets) (i64.const 1))))
          (br $bracket)))
      (if (i32.lt_u (local.get $rem) (i32.const 64))
        (then
          (local.set $inString (i64.sub (i64.const 0)
            (i64.and (i64.shr_u (local.get $strings) (i64.extend_i32_u (i32.sub (local.get $rem) (i32.const 1)))) (i64.const 1))))
          (local.set $escaped (i64.and (i64.shr_u (local.get $escapes) (i64.extend_i32_u (local.get $rem))) (i64.const 1))))
        (else
          (local.set $inString (i64.shr_s (local.get $strings) (i64.const 63)))
          ;; the carry out of the sum
          (local.set $escaped (i64.extend_i32_u (i64.lt_u (local.get $sum) (local.get $oddStarts))))))
      (local.set $i (i32.add (local.get $i) (i32.const 64)))
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
