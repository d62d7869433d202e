pub mod render;
pub mod smtp;
pub mod worker;
