pub mod graduation_builder;
