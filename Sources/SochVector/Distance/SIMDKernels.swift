// The hot distance kernels. They take raw pointers because they run billions
// of times per build: no bounds checks, no ARC, no copy-on-write checks.
//
// Shape: four 16-lane accumulators over 64 floats a step (enough independent
// FMAs to hide their latency), 16-lane steps, then 8/4-lane and scalar tails,
// so every dimension is handled without padding the stored vectors. Products
// are accumulated with `addingProduct` (one fused multiply-add; plain `+ *`
// would be two instructions, Swift does not contract them) and the lanes are
// summed as a tree: `SIMD.sum()` adds the 16 lanes one after another, a
// ~60-cycle dependency chain per distance (together 2.3× more 784-d
// distances/s, Benchmarks/kernels.md). With `-target-cpu native` on an AVX-512 machine a
// SIMD16<Float> is one zmm register; on baseline x86-64 it is four xmm ones.

/// acc + a·b, fused where the target has FMA. A portable x86-64 build
/// (SOCHDB_PORTABLE, baseline SSE2) has no FMA instruction, and LLVM must
/// then compute `addingProduct` exactly with a call to `fmaf` per lane, so
/// there it multiplies and adds.
@inlinable @inline(__always)
func multiplyAdd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    #if SOCHDB_PORTABLE && arch(x86_64)
    return acc + a * b
    #else
    return acc.addingProduct(a, b)
    #endif
}

/// Sum of the 16 lanes, as a tree (4 dependent adds instead of 15).
@inlinable @inline(__always)
func laneSum(_ v: SIMD16<Float>) -> Float {
    let s8 = v.lowHalf + v.highHalf
    let s4 = s8.lowHalf + s8.highHalf
    let s2 = s4.lowHalf + s4.highHalf
    return s2[0] + s2[1]
}

@inlinable @inline(__always)
func laneSum(_ v: SIMD8<Float>) -> Float {
    let s4 = v.lowHalf + v.highHalf
    let s2 = s4.lowHalf + s4.highHalf
    return s2[0] + s2[1]
}

@inlinable @inline(__always)
func laneSum(_ v: SIMD4<Float>) -> Float {
    let s2 = v.lowHalf + v.highHalf
    return s2[0] + s2[1]
}

/// Squared Euclidean distance of two `n`-float vectors.
@inlinable @inline(__always)
public func l2SquaredSIMD(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    @inline(__always) func diff16(_ i: Int) -> SIMD16<Float> {
        ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
    }
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
    var i = 0
    while i &+ 64 <= n {
        let d0 = diff16(i), d1 = diff16(i &+ 16), d2 = diff16(i &+ 32), d3 = diff16(i &+ 48)
        acc0 = multiplyAdd(acc0, d0, d0)
        acc1 = multiplyAdd(acc1, d1, d1)
        acc2 = multiplyAdd(acc2, d2, d2)
        acc3 = multiplyAdd(acc3, d3, d3)
        i &+= 64
    }
    while i &+ 16 <= n {
        let d = diff16(i)
        acc0 = multiplyAdd(acc0, d, d)
        i &+= 16
    }
    var sum = laneSum((acc0 + acc1) + (acc2 + acc3))
    if i &+ 8 <= n {
        let d = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        sum += laneSum(d * d)
        i &+= 8
    }
    if i &+ 4 <= n {
        let d = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
            - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
        sum += laneSum(d * d)
        i &+= 4
    }
    while i < n {
        let d = a[i] - b[i]
        sum += d * d
        i &+= 1
    }
    return sum
}

/// Dot product of two `n`-float vectors.
@inlinable @inline(__always)
public func dotSIMD(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    @inline(__always) func x16(_ i: Int) -> SIMD16<Float> { ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) }
    @inline(__always) func y16(_ i: Int) -> SIMD16<Float> { rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) }
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
    var i = 0
    while i &+ 64 <= n {
        acc0 = multiplyAdd(acc0, x16(i), y16(i))
        acc1 = multiplyAdd(acc1, x16(i &+ 16), y16(i &+ 16))
        acc2 = multiplyAdd(acc2, x16(i &+ 32), y16(i &+ 32))
        acc3 = multiplyAdd(acc3, x16(i &+ 48), y16(i &+ 48))
        i &+= 64
    }
    while i &+ 16 <= n {
        acc0 = multiplyAdd(acc0, x16(i), y16(i))
        i &+= 16
    }
    var sum = laneSum((acc0 + acc1) + (acc2 + acc3))
    if i &+ 8 <= n {
        sum += laneSum(ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
        i &+= 8
    }
    if i &+ 4 <= n {
        sum += laneSum(ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self))
        i &+= 4
    }
    while i < n {
        sum += a[i] * b[i]
        i &+= 1
    }
    return sum
}

/// Cosine distance 1 − a·b / (‖a‖‖b‖) of two `n`-float vectors, in one pass.
/// Returns 1 when either vector is zero (no direction: neither near nor far).
/// The index itself never calls this: it normalises once and uses ``dotSIMD``.
@inlinable
public func cosineDistanceSIMD(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var ab = SIMD16<Float>(), aa = SIMD16<Float>(), bb = SIMD16<Float>()
    var i = 0
    while i &+ 16 <= n {
        let x = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
        let y = rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
        ab = multiplyAdd(ab, x, y)
        aa = multiplyAdd(aa, x, x)
        bb = multiplyAdd(bb, y, y)
        i &+= 16
    }
    var sab = laneSum(ab), saa = laneSum(aa), sbb = laneSum(bb)
    while i < n {
        sab += a[i] * b[i]
        saa += a[i] * a[i]
        sbb += b[i] * b[i]
        i &+= 1
    }
    let denom = (saa * sbb).squareRoot()
    return denom > 0 ? 1 - sab / denom : 1
}
