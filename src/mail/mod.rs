pub mod render;
pub mod worker;
