//! The one function that builds a rhai engine. Nothing else in Lots constructs one.

use rhai::Engine;
use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage, BasicMathPackage,
    BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};

use super::Limits;

/// Keywords switched off: `eval` (code from data), `print` and `debug` (output that would leave
/// the engine outside the one redaction step), and function pointers with their `call` and
/// `curry` (a curried pointer is not counted by the size limits, so a loop of `curry` can
/// allocate without bound). Script-defined functions, anonymous functions and closures are not
/// compiled in at all (rhai's `no_function` feature), so recursion is impossible.
pub(crate) const DISABLED: [&str; 6] = ["eval", "print", "debug", "Fn", "call", "curry"];

/// A sandboxed engine: no packages but arithmetic, logic, strings, arrays, maps, math and
/// iteration; no module resolver (so no `import` can read a file); no time functions (time
/// comes with events); the [`DISABLED`] keywords off; strict variables; every limit set.
///
/// Memory: a value is bounded by the string, array and map limits (rhai counts nested values
/// towards them), a scope by `max_variables`, and there is nothing else a script can hold, so
/// one evaluation stays within [`Limits::memory_budget`].
pub(crate) fn engine(limits: &Limits) -> Engine {
    let mut engine = Engine::new_raw();
    engine.register_global_module(ArithmeticPackage::new().as_shared_module());
    engine.register_global_module(LogicPackage::new().as_shared_module());
    engine.register_global_module(BasicStringPackage::new().as_shared_module());
    engine.register_global_module(MoreStringPackage::new().as_shared_module());
    engine.register_global_module(BasicArrayPackage::new().as_shared_module());
    engine.register_global_module(BasicMapPackage::new().as_shared_module());
    engine.register_global_module(BasicMathPackage::new().as_shared_module());
    engine.register_global_module(BasicIteratorPackage::new().as_shared_module());
    engine.set_strict_variables(true);
    for symbol in DISABLED {
        engine.disable_symbol(symbol);
    }
    engine.set_max_operations(limits.max_operations);
    engine.set_max_expr_depths(limits.max_expr_depth);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine.set_max_variables(limits.max_variables);
    engine.set_max_modules(0);
    // `m.set(key, value)` adds a key the same unchecked way as `m[key] = value` (see
    // `script::indexed_assignment`): this one, registered on the engine itself, is found before
    // the map package's.
    engine.register_fn(
        "set",
        |_: &mut rhai::Map, _: &str, _: rhai::Dynamic| -> Result<(), Box<rhai::EvalAltResult>> {
            Err("`set` on a map is not allowed in the sandbox; write `m.key = value`".into())
        },
    );
    // Nothing a script writes leaves the engine except its value and its error.
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine
}
