fn main() {
    // Chinese is the kiosk's first language: the .slint sources carry English msgids and the
    // zh-CN translations are bundled into the binary, so no locale files are needed at run time.
    // The folder is read when the build script runs, not where it was compiled: cargo may reuse
    // one compiled build script for a checkout at another path (a clean-root check, CI's clone).
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations(format!("{manifest_dir}/ui/translations"))
        // Element ids and accessible labels in the generated code: the headless end-to-end
        // tests find buttons the way a citizen does, by their labels.
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/main.slint", config) {
        panic!("compiling ui/main.slint: {e}");
    }
}
