//! The one function that builds a rhai engine. Nothing else in Lots constructs one.

use rhai::Engine;
use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage, BasicMathPackage,
    BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};

use super::Limits;

/// A sandboxed engine: no packages but arithmetic, logic, strings, arrays, maps, math and
/// iteration; no module resolver (so no `import` can read a file); no time functions (time
/// comes with events); no `eval`; strict variables; every limit set; `print`/`debug` go to
/// `tracing` at debug level.
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
    engine.disable_symbol("eval");
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine.set_max_variables(limits.max_variables);
    engine.set_max_functions(limits.max_functions);
    engine.set_max_modules(0);
    engine.on_print(|text| tracing::debug!(target: "lots::script", text, "print"));
    engine.on_debug(|text, source, pos| {
        tracing::debug!(target: "lots::script", text, source = source.unwrap_or(""), line = pos.line().unwrap_or(0), "debug");
    });
    engine
}
