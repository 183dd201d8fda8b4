//! Compiles the stylesheet: GOV.UK Frontend from npm (pinned in frontend/package-lock.json),
//! with carepanel's font settings, into the binary. Nothing from the package is committed.

use std::path::Path;
use std::process::Command;

fn npm(dir: &Path, args: &[&str], envs: &[(&str, &str)]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().copied())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("`npm {}` in {} failed ({s})", args.join(" "), dir.display()),
        Err(e) => panic!(
            "`npm {}` could not run ({e}): carepanel's stylesheet is built from GOV.UK Frontend with npm; install Node.js and npm",
            args.join(" ")
        ),
    }
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let frontend = Path::new(&manifest).join("frontend");
    for f in [
        "carepanel.scss",
        "package.json",
        "package-lock.json",
        "init.js",
    ] {
        println!("cargo:rerun-if-changed=frontend/{f}");
    }
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let css = Path::new(&out).join("carepanel.css");
    if !frontend
        .join("node_modules/govuk-frontend/package.json")
        .exists()
        || !frontend.join("node_modules/sass/package.json").exists()
    {
        npm(&frontend, &["ci", "--no-audit", "--no-fund"], &[]);
    }
    npm(
        &frontend,
        &["run", "--silent", "build"],
        &[("CAREPANEL_CSS_OUT", css.to_str().unwrap_or("carepanel.css"))],
    );
}
