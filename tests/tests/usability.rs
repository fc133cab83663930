//! Small conveniences a new user reaches for: a checked forward pass of a slice, `Rng` and
//! `ConfusionMatrix` from the prelude, and a gradient-check table that says pass or fail.

use network::prelude::*;

network! {
    struct Wine < dense(13 -> 8, tanh), dense(8 -> 3, softmax) >
}

#[test]
fn forward_slice_checks_the_length_and_matches_forward() {
    let net: Wine = Wine::seeded(1);
    let row: Vec<f32> = (0..13).map(|i| i as f32 / 13.0).collect();
    let mut x = [0.0f32; 13];
    x.copy_from_slice(&row);
    assert_eq!(net.forward_slice(&row), Ok(net.forward(&x)));
    let err = net.forward_slice(&row[..12]).unwrap_err();
    assert_eq!(
        err,
        Error::InputLength {
            expected: 13,
            found: 12
        }
    );
    assert_eq!(
        err.to_string(),
        "input has 12 values but the network takes 13"
    );
}

#[test]
fn rng_and_confusion_matrix_come_with_the_prelude() {
    let mut rng = Rng::new(3);
    let mut v = [1, 2, 3, 4, 5];
    rng.shuffle(&mut v);
    v.sort();
    assert_eq!(v, [1, 2, 3, 4, 5]);
    let net: Wine = Wine::seeded(2);
    let data = [([0.0f32; 13], [1.0f32, 0.0, 0.0])];
    let m: ConfusionMatrix<3> = confusion_matrix(&net, &data);
    assert_eq!(m.total(), 1);
}

#[test]
fn the_gradient_check_table_says_pass_or_fail() {
    let net: Wine<f64> = Wine::seeded(4);
    let x = [0.5f64; 13];
    let y = [0.0, 1.0, 0.0];
    let report = grad_check(&net, &x, &y, &CrossEntropy, 1e-6);
    assert_eq!(report.tol, 1e-6);
    let table = report.to_string();
    assert!(table.contains("tol = 1e-6"), "{table}");
    let header = table.lines().find(|l| l.contains("max rel")).unwrap();
    assert!(header.contains("result"), "{header}");
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.contains("l1.") || l.contains("l2."))
        .collect();
    assert_eq!(rows.len(), 4, "{table}");
    assert!(rows.iter().all(|r| r.contains(" pass ")), "{table}");
    // With an impossible tolerance every row fails, and says so.
    let strict = report.with_tol(0.0).to_string();
    let failed = strict.lines().filter(|l| l.contains(" FAIL ")).count();
    assert!(failed >= 1, "{strict}");
    assert_eq!(failed, report.failures(0.0).count());
    // f32 networks are judged at 1e-2 by default.
    let net32: Wine = Wine::seeded(4);
    let r32 = grad_check(&net32, &[0.5f32; 13], &[0.0, 1.0, 0.0], &CrossEntropy, 1e-2);
    assert_eq!(r32.tol, 1e-2);
}

/// Without a written type, `let net = Xor::seeded(1)` leaves the scalar to inference and float
/// literals make it `f64`; every Rust example in the README and the guides writes the type.
#[test]
fn documented_constructors_write_the_network_type() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for file in [
        "README.md",
        "docs/guide.md",
        "docs/interop.md",
        "docs/embedded.md",
    ] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        let mut in_rust = false;
        for (n, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("```") {
                in_rust = !in_rust && t.starts_with("```rust");
                continue;
            }
            if !in_rust {
                continue;
            }
            let Some(rest) = t.strip_prefix("let ") else {
                continue;
            };
            let rest = rest.strip_prefix("mut ").unwrap_or(rest);
            let Some((name, value)) = rest.split_once(" = ") else {
                continue;
            };
            let constructor = [
                "::seeded(",
                "::zeroed(",
                "::boxed_seeded(",
                "::boxed_zeroed(",
            ]
            .iter()
            .any(|c| value.contains(c));
            let typed = name.contains(':') || value.contains("::<");
            assert!(
                !constructor || typed,
                "{file}:{}: `{}` builds a network without writing its type",
                n + 1,
                line.trim()
            );
        }
    }
}
