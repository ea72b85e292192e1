//! Every argument a configuration writes, at every depth, is checked by Terraform: a
//! misspelt one fails the plan on its own line, naming the argument it was probably meant
//! to be. `kured`, `gate` and the `set` entries are nested blocks for this reason (an
//! object attribute would lose an unknown key without a word, hashicorp/terraform#33570).
//! The stacks are generated from the provider's own schemas, so an argument added later is
//! covered without editing this file.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::diagnostics::plan_json;
use support::kured::stack;
use terraform_provider_kured::KuredProvider;
use tfplugin::api::Provider;
use tfplugin::schema::{AttributeKind, Block};
use tfplugin::types::Type;

/// `name` with its second and third letters swapped (`chart_version` → `cahrt_version`):
/// two edits away, close enough for Terraform to suggest the original.
fn typo(name: &str) -> String {
    let mut letters: Vec<char> = name.chars().collect();
    let at = (1..letters.len().saturating_sub(1))
        .find(|&i| letters[i] != letters[i + 1])
        .unwrap_or_else(|| panic!("no typo of {name:?}"));
    letters.swap(at, at + 1);
    letters.into_iter().collect()
}

/// One misspelling the generated stack holds: what Terraform must say, and where.
struct Expected {
    summary: &'static str,
    typo: String,
    meant: String,
    /// `kured.set.value`: where in the schema, for messages.
    path: String,
    line: u64,
}

/// Writes `block`'s body at `indent`: every argument the configuration may set
/// misspelt, each nested block with its right name holding misspelt arguments of its own,
/// and each nested block type once more under a misspelt name.
fn misspelt_body(
    block: &Block,
    path: &str,
    indent: &str,
    text: &mut String,
    expected: &mut Vec<Expected>,
) {
    let line = |text: &String| text.lines().count() as u64 + 1;
    for attribute in block.attributes.iter().filter(|a| a.required || a.optional) {
        let typo = typo(&attribute.name);
        expected.push(Expected {
            summary: "Unsupported argument",
            path: format!("{path}{}", attribute.name),
            meant: attribute.name.clone(),
            line: line(text),
            typo: typo.clone(),
        });
        text.push_str(&format!("{indent}{typo} = null\n"));
    }
    for nested in &block.blocks {
        let name = &nested.type_name;
        text.push_str(&format!("{indent}{name} {{\n"));
        misspelt_body(
            &nested.block,
            &format!("{path}{name}."),
            &format!("{indent}  "),
            text,
            expected,
        );
        text.push_str(&format!("{indent}}}\n"));
        let typo = typo(name);
        expected.push(Expected {
            summary: "Unsupported block type",
            path: format!("{path}{name} (the block type)"),
            meant: name.clone(),
            line: line(text),
            typo: typo.clone(),
        });
        text.push_str(&format!("{indent}{typo} {{\n{indent}}}\n"));
    }
}

/// Plans a stack with every argument of `schema` misspelt and checks that Terraform
/// refuses each one on its line with the right suggestion.
fn every_typo_is_refused(kind: &str, type_name: &str, schema: &Block) {
    let mut text = format!("{kind} \"{type_name}\" \"typos\" {{\n");
    let mut expected = Vec::new();
    let header_lines = support::kured::HEADER.lines().count() as u64 + 1;
    misspelt_body(schema, "", "  ", &mut text, &mut expected);
    text.push_str("}\n");
    for e in &mut expected {
        e.line += header_lines;
    }
    let dir = stack(&text);
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "every typo fails the plan");
    assert!(
        expected.iter().any(|e| e.path.starts_with("kured.set.")),
        "the set blocks are covered: {:?}",
        expected.iter().map(|e| &e.path).collect::<Vec<_>>()
    );
    for e in &expected {
        let suggestion = format!("Did you mean \"{}\"?", e.meant);
        let found = plan.diagnostics.iter().find(|d| {
            d.summary == e.summary
                && d.line == Some(e.line)
                && d.detail.contains(&format!("\"{}\"", e.typo))
        });
        let Some(found) = found else {
            panic!(
                "{type_name}: no {:?} for {} written {:?} on line {}:\n{:#?}\n{text}",
                e.summary, e.path, e.typo, e.line, plan.diagnostics
            )
        };
        assert!(
            found.detail.contains(&suggestion),
            "{type_name}: {} should suggest {:?}: {found:#?}",
            e.path,
            e.meant
        );
    }
}

/// Every resource and data source schema: the HCL keyword that declares it, its type
/// name and its block.
fn schemas() -> Vec<(&'static str, &'static str, Block)> {
    let provider = KuredProvider;
    let resources = provider
        .resources()
        .into_iter()
        .map(|r| ("resource", r.type_name(), r.schema().block));
    let data_sources = provider
        .data_sources()
        .into_iter()
        .map(|d| ("data", d.type_name(), d.schema().block));
    resources.chain(data_sources).collect()
}

#[test]
fn a_misspelt_argument_is_refused_at_every_depth_of_every_resource_and_data_source() {
    let mut covered = Vec::new();
    for (keyword, type_name, schema) in schemas() {
        if !schema.blocks.is_empty() {
            every_typo_is_refused(keyword, type_name, &schema);
            covered.push(type_name);
        }
    }
    covered.sort_unstable();
    assert_eq!(
        covered,
        [
            "kured_gated_reboot_policy",
            "kured_reboot_forecast",
            "kured_sentinel_paths"
        ]
    );
}

/// Whether values of `ty` hold an object anywhere, whose unknown keys Terraform would drop.
fn holds_object(ty: &Type) -> bool {
    match ty {
        Type::Object(_) => true,
        Type::List(element) | Type::Set(element) | Type::Map(element) => holds_object(element),
        Type::Tuple(elements) => elements.iter().any(holds_object),
        Type::String | Type::Number | Type::Bool | Type::Dynamic => false,
    }
}

#[test]
fn no_argument_anywhere_is_an_object_attribute_that_would_drop_a_typo() {
    fn settable_objects(block: &Block, path: &str, found: &mut Vec<String>) {
        for a in &block.attributes {
            let settable = a.required || a.optional;
            let object = match &a.kind {
                AttributeKind::Nested { .. } => true,
                AttributeKind::Plain(ty) => holds_object(ty),
            };
            if settable && object {
                found.push(format!("{path}{}", a.name));
            }
        }
        for b in &block.blocks {
            settable_objects(&b.block, &format!("{path}{}.", b.type_name), found);
        }
    }
    let mut found = Vec::new();
    settable_objects(&KuredProvider.schema().block, "provider.", &mut found);
    for (_, type_name, schema) in schemas() {
        settable_objects(&schema, &format!("{type_name}."), &mut found);
    }
    assert!(
        found.is_empty(),
        "object attributes a user writes: {found:?}"
    );
}

/// The body of a stack passing kured's settings from a variable through `dynamic "kured"`.
const DYNAMIC_KURED: &str = r#"
variable "kured" {
  type = object({
    chart_version = string
    values        = list(string)
  })
  default = {
    chart_version = "5.11.0"
    values        = ["configuration: {rebootSentinel: /var/run/gated-reboot-required, drainTimeout: 30m}"]
  }
}

resource "kured_gated_reboot_policy" "p" {
  sentinel_host_path = "/var/run/gated-reboot-required"
  dynamic "kured" {
    for_each = [var.kured]
    content {
      chart_version = kured.value.chart_version
      values        = kured.value.values
    }
  }
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}

output "kured_path" { value = kured_gated_reboot_policy.p.kured_sentinel_host_path }
"#;

#[test]
fn kured_settings_from_a_variable_pass_through_a_dynamic_block_still_checked() {
    let dir = stack(DYNAMIC_KURED);
    dir.apply().assert_success("a dynamic kured block applies");
    assert_eq!(
        dir.output_json()["kured_path"]["value"],
        "/var/run/gated-reboot-required"
    );
    dir.plan_detailed()
        .assert_code(0, "a second plan shows no changes");

    // A typo in the dynamic block's content is refused like one in a literal block.
    dir.write(
        "main.tf",
        &format!(
            "{}\n{}",
            support::kured::HEADER,
            DYNAMIC_KURED.replace("      values        =", "      vlaues        =")
        ),
    );
    dir.plan()
        .assert_failure("a misspelt argument in dynamic content")
        .assert_contains("Unsupported argument")
        .assert_contains("Did you mean \"values\"?");
}

#[test]
fn state_written_before_the_set_blocks_existed_plans_without_changes() {
    // 0.2.0 stored `kured` without `set`, `set_list` and `set_sensitive`, and `kured` and
    // `gate` as the same objects the blocks store: the change of syntax needs no upgrade.
    let dir = stack(DYNAMIC_KURED);
    dir.apply().assert_success("apply");
    let path = dir.path().join("terraform.tfstate");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let kured = &mut state["resources"][0]["instances"][0]["attributes"]["kured"];
    let object = kured.as_object_mut().expect("kured is stored as an object");
    for name in ["set", "set_list", "set_sensitive"] {
        assert!(
            object.remove(name).is_some(),
            "{name} is stored: {object:?}"
        );
    }
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
    dir.plan_detailed()
        .assert_code(0, "state without the set blocks shows no changes");
}

#[test]
fn errors_about_how_a_block_is_described_land_inside_the_block() {
    // Terraform places a diagnostic whose path ends at a block on the resource's first
    // line; these sit on an argument of the block instead.
    let dir = stack(
        r#"
resource "kured_gated_reboot_policy" "p" {
  sentinel_host_path = "/var/run/gated-reboot-required"
  kured {
    chart_version      = "5.11.0"
    daemonset_manifest = "kind: DaemonSet"
  }
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
  }
}
"#,
    );
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "two ways and none");
    let line_of = |summary: &str| {
        plan.diagnostics
            .iter()
            .find(|d| d.summary.starts_with(summary))
            .unwrap_or_else(|| panic!("no {summary:?}: {:#?}", plan.diagnostics))
            .line
    };
    // Two ways: on the argument of the second.
    assert_eq!(
        line_of("kured is described more than one way"),
        Some(support::diagnostics::line_of(&dir, "daemonset_manifest ="))
    );
    // None: on the block's own line, as Terraform's "Missing required argument".
    assert_eq!(
        line_of("gate is not described"),
        Some(support::diagnostics::line_of(&dir, "gate {"))
    );
}
