pub mod protocols;
pub mod registry;

pub use registry::TemplateRegistry;
pub(crate) use registry::{account_data_values, template_registry};
