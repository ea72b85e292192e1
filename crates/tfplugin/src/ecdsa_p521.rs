//! ECDSA over P-521 with SHA-512, verified fast: the one signature each start checks,
//! Terraform's CertificateVerify in the AutoMTLS handshake (`tls`).
//!
//! RustCrypto's `p521` 0.13 takes 16.7M instructions for it, four fifths of a provider
//! start (0.14 takes 7.6M, but needs Rust 1.88 and a new generation of the RustCrypto
//! crates). Every input here is public (Terraform's certificate, the handshake transcript
//! and the signature), so the check may take variable time, which allows:
//!
//! - Jacobian coordinates, with doubling for a = -3 (3 multiplications and 5 squarings,
//!   against 11 field multiplications for `p521`'s complete formulas) and mixed additions
//!   against affine points;
//! - one interleaved pass over both scalars in width-5 NAF (Straus–Shamir), so that
//!   `u1·G + u2·Q` shares its 521 doublings;
//! - the odd multiples of the generator as a table in this file, so only Q's are computed;
//!   a test checks the table against `p521`;
//! - `1/s` by binary extended Euclid on integers, and `x(R) mod n = r` checked as
//!   `X = r·Z²` (or `(r + n)·Z²`), where `p521`'s constant-time inversions of a scalar
//!   and of a field element cost 1.4M and 0.4M.
//!
//! Field and scalar arithmetic, and the decoding of keys and signatures, stay `p521`'s.
//! A verification takes 5.2M instructions, 3.9M of them in the 522 doublings and 95
//! additions of field elements that `p521` multiplies; `tools/bench/start_cost.py`
//! measures it within a whole start.
//!
//! Additions of a point to itself or to its negation are not special-cased. They give
//! Z = 0, which every later doubling and addition keeps, and a final Z = 0 is a
//! rejection: an honest signature meets one with negligible probability (a rejected
//! valid handshake, which Terraform reports), and no forged signature can pass through
//! one.

use p521::elliptic_curve::Curve;
use p521::elliptic_curve::bigint::Encoding;
use p521::elliptic_curve::ff::PrimeField;
use p521::elliptic_curve::ops::Reduce;
use p521::elliptic_curve::sec1::{EncodedPoint, ToEncodedPoint};
use p521::{FieldBytes, NistP521, Scalar, U576};
use primeorder::PrimeCurveParams;

/// `p521`'s base field element, which it names only through the curve's parameters.
type Fe = <NistP521 as PrimeCurveParams>::FieldElement;

/// p - n: an x coordinate below it may stand for r + n as well as r.
const P_MINUS_ORDER: U576 = U576::ONE
    .shl_vartime(521)
    .wrapping_sub(&U576::ONE)
    .wrapping_sub(&NistP521::ORDER);

/// Whether `signature_der` is a valid ECDSA P-521 / SHA-512 signature of `message` by the
/// SEC1-encoded `public_key`.
pub(crate) fn verify(public_key: &[u8], message: &[u8], signature_der: &[u8]) -> bool {
    let Ok(key) = p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key) else {
        return false;
    };
    let Ok(signature) = p521::ecdsa::Signature::from_der(signature_der) else {
        return false;
    };
    let Some(q) = affine(&key.as_affine().to_encoded_point(false)) else {
        return false;
    };
    let (r, s) = signature.split_scalars();
    // SHA-512 is shorter than the order, so the digest is the integer, left-padded.
    let mut z = FieldBytes::default();
    z[FIELD_BYTES - 64..].copy_from_slice(&sha512(message));
    let z = <Scalar as Reduce<U576>>::reduce_bytes(&z);
    let Some(w) = invert(&s) else {
        return false;
    };
    let u1 = naf(&(z * w).to_repr());
    let u2 = naf(&(*r * w).to_repr());
    let Some(g) = generator_table() else {
        return false;
    };
    let q = odd_multiples(&q);

    let mut acc: Option<Jacobian> = None;
    for i in (0..DIGITS).rev() {
        acc = acc.map(|a| a.double());
        if let Some(p) = pick(&g, u1[i]) {
            acc = Some(match acc {
                Some(a) => a.add_affine(&p),
                None => Jacobian::from(&p),
            });
        }
        if let Some(p) = pick(&q, u2[i]) {
            acc = Some(match acc {
                Some(a) => a.add(&p),
                None => p,
            });
        }
    }
    let Some(acc) = acc else {
        return false;
    };
    // Z = 0 is the point at infinity, or an exceptional addition on the way.
    if bool::from(acc.z.is_zero()) {
        return false;
    }
    // x(R) = X/Z² is below p < 2n, so x(R) mod n = r means x(R) = r or x(R) = r + n.
    let Some(r_field) = Option::<Fe>::from(Fe::from_repr(r.to_repr())) else {
        return false;
    };
    let z2 = acc.z.square();
    if acc.x == r_field * z2 {
        return true;
    }
    let r_plus_n = U576::from(&*r) < P_MINUS_ORDER;
    r_plus_n
        && Option::<Fe>::from(Fe::from_repr(order_bytes()))
            .is_some_and(|n| acc.x == (r_field + n) * z2)
}

/// 1/s mod n by binary extended Euclid on integers: about 0.3M instructions, where
/// `p521`'s scalar inversion (and s^(n-2) in its Montgomery arithmetic) take 1.4M and more.
fn invert(s: &Scalar) -> Option<Scalar> {
    let (inverse, found) = U576::from(s).inv_odd_mod_bounded(&NistP521::ORDER, 521, 521);
    bool::from(found).then(|| <Scalar as Reduce<U576>>::reduce(inverse))
}

/// n as the big-endian bytes of a field element.
fn order_bytes() -> FieldBytes {
    let wide = NistP521::ORDER.to_be_bytes();
    let mut bytes = FieldBytes::default();
    bytes.copy_from_slice(&wide[wide.len() - FIELD_BYTES..]);
    bytes
}

fn sha512(message: &[u8]) -> [u8; 64] {
    use sha2::Digest;
    sha2::Sha512::digest(message).into()
}

const FIELD_BYTES: usize = 66;

#[derive(Clone, Copy)]
struct Affine {
    x: Fe,
    y: Fe,
}

impl Affine {
    fn neg(&self) -> Affine {
        Affine {
            x: self.x,
            y: -self.y,
        }
    }
}

fn affine(point: &EncodedPoint<NistP521>) -> Option<Affine> {
    let (x, y) = (point.x()?, point.y()?);
    Some(Affine {
        x: Option::from(Fe::from_repr(*x))?,
        y: Option::from(Fe::from_repr(*y))?,
    })
}

/// (X, Y, Z) for the affine point (X/Z², Y/Z³).
#[derive(Clone, Copy)]
struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl From<&Affine> for Jacobian {
    fn from(p: &Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }
}

impl Jacobian {
    fn neg(&self) -> Jacobian {
        Jacobian {
            x: self.x,
            y: -self.y,
            z: self.z,
        }
    }

    /// 2P for a = -3 ("dbl-2001-b" in the Explicit-Formulas Database).
    fn double(&self) -> Jacobian {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x * gamma;
        let t = (self.x - delta) * (self.x + delta);
        let alpha = t.double() + t;
        let beta4 = beta.double().double();
        let x = alpha.square() - beta4.double();
        let z = (self.y + self.z).square() - gamma - delta;
        let y = alpha * (beta4 - x) - gamma.square().double().double().double();
        Jacobian { x, y, z }
    }

    /// P + Q for an affine Q ("madd-2007-bl").
    fn add_affine(&self, q: &Affine) -> Jacobian {
        let z1z1 = self.z.square();
        let u2 = q.x * z1z1;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - self.x;
        let hh = h.square();
        let i = hh.double().double();
        let j = h * i;
        let r = (s2 - self.y).double();
        let v = self.x * i;
        let x = r.square() - j - v.double();
        let y = r * (v - x) - (self.y * j).double();
        let z = (self.z + h).square() - z1z1 - hh;
        Jacobian { x, y, z }
    }

    /// P + Q ("add-2007-bl").
    fn add(&self, q: &Jacobian) -> Jacobian {
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x * z2z2;
        let u2 = q.x * z1z1;
        let s1 = self.y * q.z * z2z2;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - u1;
        let i = h.double().square();
        let j = h * i;
        let r = (s2 - s1).double();
        let v = u1 * i;
        let x = r.square() - j - v.double();
        let y = r * (v - x) - (s1 * j).double();
        let z = ((self.z + q.z).square() - z1z1 - z2z2) * h;
        Jacobian { x, y, z }
    }
}

/// Digits have odd values in -15..=15; a table holds P, 3P, ..., 15P.
const WIDTH: u32 = 5;
const TABLE: usize = 1 << (WIDTH - 2);
/// A 521-bit scalar has at most 522 NAF digits.
const DIGITS: usize = 528;

/// Width-5 NAF of a big-endian integer below 2^521, least significant digit first.
fn naf(big_endian: &[u8]) -> [i8; DIGITS] {
    let mut k = [0u64; 10];
    for (i, byte) in big_endian.iter().rev().enumerate().take(72) {
        k[i / 8] |= u64::from(*byte) << (8 * (i % 8));
    }
    let mut digits = [0i8; DIGITS];
    for digit in digits.iter_mut() {
        if k.iter().all(|limb| *limb == 0) {
            break;
        }
        if k[0] & 1 == 1 {
            // The low WIDTH bits as a signed digit; subtracting it clears them.
            let low = (k[0] & ((1 << WIDTH) - 1)) as i8;
            let d = if low >= 1 << (WIDTH - 1) {
                low - (1 << WIDTH)
            } else {
                low
            };
            *digit = d;
            if d > 0 {
                k[0] -= d.unsigned_abs() as u64;
            } else {
                let mut carry = u64::from(d.unsigned_abs());
                for limb in k.iter_mut() {
                    let (sum, overflow) = limb.overflowing_add(carry);
                    *limb = sum;
                    carry = u64::from(overflow);
                }
            }
        }
        for i in 0..k.len() {
            let high = k.get(i + 1).map_or(0, |next| next << 63);
            k[i] = (k[i] >> 1) | high;
        }
    }
    digits
}

/// The table entry for a digit, negated for a negative digit; `None` for 0.
fn pick<P: Copy + Negate>(table: &[P; TABLE], digit: i8) -> Option<P> {
    let entry = table[usize::from(digit.unsigned_abs() / 2)];
    match digit {
        0 => None,
        d if d > 0 => Some(entry),
        _ => Some(entry.negate()),
    }
}

trait Negate {
    fn negate(&self) -> Self;
}

impl Negate for Affine {
    fn negate(&self) -> Affine {
        self.neg()
    }
}

impl Negate for Jacobian {
    fn negate(&self) -> Jacobian {
        self.neg()
    }
}

/// P, 3P, ..., 15P.
fn odd_multiples(p: &Affine) -> [Jacobian; TABLE] {
    let first = Jacobian::from(p);
    let twice = first.double();
    let mut table = [first; TABLE];
    for i in 1..TABLE {
        table[i] = table[i - 1].add(&twice);
    }
    table
}

fn generator_table() -> Option<[Affine; TABLE]> {
    let mut table = [Affine {
        x: Fe::ZERO,
        y: Fe::ZERO,
    }; TABLE];
    let field = |bytes: &[u8; FIELD_BYTES]| {
        let mut repr = FieldBytes::default();
        repr.copy_from_slice(bytes);
        Option::<Fe>::from(Fe::from_repr(repr))
    };
    for (entry, (x, y)) in table.iter_mut().zip(GENERATOR_MULTIPLES.iter()) {
        *entry = Affine {
            x: field(x)?,
            y: field(y)?,
        };
    }
    Some(table)
}

/// Big-endian bytes of a hexadecimal field element; any other character reads as 0 (a
/// test checks every entry).
const fn hex(text: &str) -> [u8; FIELD_BYTES] {
    let text = text.as_bytes();
    let mut out = [0u8; FIELD_BYTES];
    let mut i = 0;
    while i < FIELD_BYTES * 2 && i < text.len() {
        let nibble = match text[i] {
            c @ b'0'..=b'9' => c - b'0',
            c @ b'a'..=b'f' => c - b'a' + 10,
            _ => 0,
        };
        out[i / 2] |= nibble << (4 * (1 - i % 2));
        i += 1;
    }
    out
}

/// The affine coordinates of G, 3G, ..., 15G.
#[rustfmt::skip]
const GENERATOR_MULTIPLES: [([u8; FIELD_BYTES], [u8; FIELD_BYTES]); TABLE] = [
    // 1G
    (
        hex("00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3d\
             baa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66"),
        hex("011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e66\
             2c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650"),
    ),
    // 3G
    (
        hex("01a73d352443de29195dd91d6a64b5959479b52a6e5b123d9ab9e5ad7a112d7a8d\
             d1ad3f164a3a4832051da6bd16b59fe21baeb490862c32ea05a5919d2ede37ad7d"),
        hex("013e9b03b97dfa62ddd9979f86c6cab814f2f1557fa82a9d0317d2f8ab1fa355ce\
             ec2e2dd4cf8dc575b02d5aced1dec3c70cf105c9bc93a590425f588ca1ee86c0e5"),
    ),
    // 5G
    (
        hex("00652bf3c52927a432c73dbc3391c04eb0bf7a596efdb53f0d24cf03dab8f177ac\
             e4383c0c6d5e3014237112feaf137e79a329d7e1e6d8931738d5ab5096ec8f3078"),
        hex("015be6ef1bdd6601d6ec8a2b73114a8112911cd8fe8e872e0051edd817c9a03470\
             87bb6897c9072cf374311540211cf5ff79d1f007257354f7f8173cc3e8deb090cb"),
    ),
    // 7G
    (
        hex("0056d5d1d99d5b7f6346eeb65fda0b073a0c5f22e0e8f5483228f018d2c2f7114c\
             5d8c308d0abfc698d8c9a6df30dce3bbc46f953f50fdc2619a01cead882816ecd4"),
        hex("003d2d1b7d9baaa2a110d1d8317a39d68478b5c582d02824f0dd71dbd98a26cbde\
             556bd0f293cdec9e2b9523a34591ce1a5f9e76712a5ddefc7b5c6b8bc90525251b"),
    ),
    // 9G
    (
        hex("01585389e359e1e21826a2f5bf157156d488ed34541b988746992c4ab145b8c6b6\
             657429e1396134da35f3c556df725a318f4f50babd85cd28661f45627967cbe207"),
        hex("002a2e618c9a8aedf39f0b55557a27ae938e3088a654ee1cebb6c825ba263ddb44\
             6e0d69e5756057ac840ff56ecf4abfd87d736c2ae928880f343aa0ea86b9ad2a4e"),
    ),
    // 11G
    (
        hex("008a75841259fdedff546f1a39573b4315cfed5dc7ed7c17849543ef2c54f29916\
             52f3dbc5332663da1bd19b1aebe3191085015c024fa4c9a902ecc0e02dda0cdb9a"),
        hex("0096fb303fcbba2129849d0ca877054fb2293add566210bd0493ed2e95d4e0b9b8\
             2b1bc8a90e8b42a4ab3892331914a95336dcac80e3f4819b5d58874f92ce48c808"),
    ),
    // 13G
    (
        hex("007e3e98f984c396ad9cd7865d2b4924861a93f736cde1b4c2384eedd2beaf5b86\
             6132c45908e03c996a3550a5e79ab88ee94bec3b00ab38eff81887848d32fbcda7"),
        hex("0108ee58eb6d781feda91a1926daa3ed5a08ced50a386d5421c69c7a67ae5c1e21\
             2ac1bd5d5838bc763f26dfdd351cbfbbc36199eaaf9117e9f7291a01fb022a71c9"),
    ),
    // 15G
    (
        hex("006b6ad89abcb92465f041558fc546d4300fb8fbcc30b40a0852d697b532df128e\
             11b91cce27dbd00ffe7875bd1c8fc0331d9b8d96981e3f92bde9afe337bcb8db55"),
        hex("01b468da271571391d6a7ce64d2333edbf63df0496a9bad20cba4b62106997485e\
             d57e9062c899470a802148e2232c96c99246fd90cc446abdd956343480a1475465"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use p521::ecdsa::SigningKey;
    use p521::ecdsa::signature::Verifier;
    use p521::ecdsa::signature::hazmat::RandomizedPrehashSigner;
    use p521::elliptic_curve::rand_core::{CryptoRng, RngCore};
    use proptest::prelude::*;

    #[test]
    fn the_generator_table_holds_the_odd_multiples_of_the_generator() {
        for (i, (x, y)) in GENERATOR_MULTIPLES.iter().enumerate() {
            let k = Scalar::from(2 * i as u64 + 1);
            let point = (p521::ProjectivePoint::GENERATOR * k)
                .to_affine()
                .to_encoded_point(false);
            assert_eq!(&point.x().unwrap()[..], x, "x of {}G", 2 * i + 1);
            assert_eq!(&point.y().unwrap()[..], y, "y of {}G", 2 * i + 1);
        }
    }

    #[test]
    fn inverts_scalars() {
        for k in [1u64, 2, 3, 0xdead_beef, u64::MAX] {
            let s = Scalar::from(k) * Scalar::from(0x1234_5678u64);
            assert_eq!(invert(&s).unwrap() * s, Scalar::ONE);
        }
    }

    #[test]
    fn p_minus_order_is_what_its_name_says() {
        let p = U576::ONE.shl_vartime(521).wrapping_sub(&U576::ONE);
        assert_eq!(P_MINUS_ORDER.wrapping_add(&NistP521::ORDER), p);
        assert_eq!(U576::from(&Scalar::ONE), U576::ONE);
    }

    #[test]
    fn naf_digits_add_up_to_the_scalar() {
        let k = Scalar::from(0x1234_5678_9abc_def0u64) * Scalar::from(u64::MAX) - Scalar::ONE;
        let digits = naf(&k.to_repr());
        let mut sum = Scalar::ZERO;
        for d in digits.iter().rev() {
            sum = sum.double();
            let magnitude = Scalar::from(u64::from(d.unsigned_abs()));
            sum = if *d < 0 {
                sum - magnitude
            } else {
                sum + magnitude
            };
        }
        assert_eq!(sum, k);
        // Non-zero digits are odd and at least WIDTH apart.
        let nonzero: Vec<usize> = (0..DIGITS).filter(|i| digits[*i] != 0).collect();
        assert!(nonzero.iter().all(|i| digits[*i] % 2 != 0));
        assert!(nonzero.windows(2).all(|w| w[1] - w[0] >= WIDTH as usize));
    }

    fn key(seed: &[u8; 66]) -> Option<SigningKey> {
        let mut bytes = FieldBytes::default();
        bytes.copy_from_slice(seed);
        bytes[0] = 0;
        bytes[1] &= 1;
        SigningKey::from_bytes(&bytes).ok()
    }

    /// Extra entropy for the signer's nonce; any bytes will do in a test.
    struct Counter(u64);

    impl RngCore for Counter {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1);
            self.0
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for byte in dest {
                *byte = self.next_u64() as u8;
            }
        }
        fn try_fill_bytes(
            &mut self,
            dest: &mut [u8],
        ) -> Result<(), p521::elliptic_curve::rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl CryptoRng for Counter {}

    fn sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
        let signature: p521::ecdsa::Signature = key
            .sign_prehash_with_rng(&mut Counter(message.len() as u64), &sha512(message))
            .unwrap();
        signature.to_der().as_bytes().to_vec()
    }

    fn sec1(key: &SigningKey) -> Vec<u8> {
        p521::ecdsa::VerifyingKey::from(key)
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }

    /// What `p521`'s own verifier says.
    fn reference(public_key: &[u8], message: &[u8], der: &[u8]) -> bool {
        let Ok(key) = p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key) else {
            return false;
        };
        p521::ecdsa::Signature::from_der(der).is_ok_and(|s| key.verify(message, &s).is_ok())
    }

    #[test]
    fn refuses_what_is_not_a_key_or_a_signature() {
        let key = key(&[7; 66]).unwrap();
        let der = sign(&key, b"m");
        assert!(verify(&sec1(&key), b"m", &der));
        assert!(!verify(b"", b"m", &der));
        assert!(!verify(&sec1(&key)[..100], b"m", &der));
        assert!(!verify(&sec1(&key), b"m", b""));
        assert!(!verify(&sec1(&key), b"m", &der[..der.len() - 1]));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn agrees_with_p521_on_valid_and_altered_signatures(
            seed in prop::array::uniform32(any::<u8>()),
            message in prop::collection::vec(any::<u8>(), 0..200),
            flip in any::<prop::sample::Index>(),
            other in prop::array::uniform32(any::<u8>()),
        ) {
            let mut full = [0u8; 66];
            full[34..].copy_from_slice(&seed);
            full[2] = 1;
            let Some(signer) = key(&full) else { return Ok(()) };
            let public = sec1(&signer);
            let der = sign(&signer, &message);
            prop_assert!(verify(&public, &message, &der));

            // Another message, another key, a flipped bit of the signature.
            let mut changed = message.clone();
            changed.push(1);
            prop_assert!(!verify(&public, &changed, &der));
            full[34..].copy_from_slice(&other);
            if let Some(stranger) = key(&full).filter(|k| sec1(k) != public) {
                prop_assert!(!verify(&sec1(&stranger), &message, &der));
            }
            let mut bent = der.clone();
            let at = flip.index(bent.len());
            bent[at] ^= 1 << (at % 8);
            prop_assert_eq!(verify(&public, &message, &bent), reference(&public, &message, &bent));
        }
    }
}
