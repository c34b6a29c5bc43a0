// The hot distance kernels. They take raw pointers because they run billions
// of times per build: no bounds checks, no ARC, no copy-on-write checks.
//
// Shape: two 16-lane accumulators over 32 floats a step (enough independent
// adds to hide FMA/add latency), one 16-lane step, then 8/4-lane and scalar
// tails, so every dimension is handled without padding the stored vectors.
// With `-target-cpu native` on an AVX-512 machine a SIMD16<Float> is one zmm
// register; on baseline x86-64 it is four xmm operations.

/// Squared Euclidean distance of two `n`-float vectors.
@inlinable @inline(__always)
public func l2SquaredSIMD(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
    var i = 0
    while i &+ 32 <= n {
        let d0 = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
        let d1 = ra.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self)
            - rb.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self)
        acc0 += d0 * d0
        acc1 += d1 * d1
        i &+= 32
    }
    if i &+ 16 <= n {
        let d = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
        acc0 += d * d
        i &+= 16
    }
    var sum = (acc0 + acc1).sum()
    if i &+ 8 <= n {
        let d = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        sum += (d * d).sum()
        i &+= 8
    }
    if i &+ 4 <= n {
        let d = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
            - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
        sum += (d * d).sum()
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
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
    var i = 0
    while i &+ 32 <= n {
        acc0 += ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
        acc1 += ra.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self)
        i &+= 32
    }
    if i &+ 16 <= n {
        acc0 += ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
        i &+= 16
    }
    var sum = (acc0 + acc1).sum()
    if i &+ 8 <= n {
        sum += (ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)).sum()
        i &+= 8
    }
    if i &+ 4 <= n {
        sum += (ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)).sum()
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
        ab += x * y
        aa += x * x
        bb += y * y
        i &+= 16
    }
    var sab = ab.sum(), saa = aa.sum(), sbb = bb.sum()
    while i < n {
        sab += a[i] * b[i]
        saa += a[i] * a[i]
        sbb += b[i] * b[i]
        i &+= 1
    }
    let denom = (saa * sbb).squareRoot()
    return denom > 0 ? 1 - sab / denom : 1
}
