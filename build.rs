fn main() {
    // Chinese is the kiosk's first language: the .slint sources carry English msgids and the
    // zh-CN translations are bundled into the binary, so no locale files are needed at run time.
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/translations"))
        // Element ids and accessible labels in the generated code: the headless end-to-end
        // tests find buttons the way a citizen does, by their labels.
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/main.slint", config) {
        panic!("compiling ui/main.slint: {e}");
    }
}
