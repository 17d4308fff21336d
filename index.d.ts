// Types of the public API. The addon's own typings are generated into
// binding.d.ts from the Rust doc comments; this file covers the JS layer.
