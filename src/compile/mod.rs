//! compile: checked, error-free spec -> Program (serializable: what will be read and written).
