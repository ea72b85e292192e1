//! The provider binary: Terraform starts it; it serves until Terraform stops it.

fn main() -> std::process::ExitCode {
    terraform_provider_kured::run()
}
