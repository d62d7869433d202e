//! Named predicates a workflow file writes as CEL expressions
//! (`[predicates.NAME]`): compiled once at load, their names checked
//! against the facts an instance offers, evaluated by the engine.

use super::vocabulary::Machine;
use cel::common::ast::{EntryExpr, Expr as Node};
use cel::IdedExpr;
use std::fmt;
use std::sync::Arc;

/// A compiled CEL expression and the text it was written as.
#[derive(Clone)]
pub struct Expr {
    pub source: String,
    program: Arc<cel::Program>,
    /// The variables it reads (comprehension variables too).
    variables: Vec<String>,
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.source == other.source
    }
}

impl Eq for Expr {}

/// A problem in an expression, at a line counted from the expression's
/// first line (1).
pub type ExprProblem = (usize, String);

/// CEL's standard library and its strings extension (`trim`,
/// `lowerAscii`, `join`, `format`…), built once: building it is most of the
/// cost of a fresh evaluation context.
pub fn env() -> Arc<cel::Env> {
    static ENV: std::sync::LazyLock<Arc<cel::Env>> = std::sync::LazyLock::new(|| {
        let mut env = cel::Env::stdlib();
        env.add_extension(cel::extensions::strings).expect("the strings extension registers once");
        Arc::new(env)
    });
    Arc::clone(&ENV)
}

impl Expr {
    pub fn compile(source: &str) -> Result<Expr, Vec<ExprProblem>> {
        let compiled = env().compile(source).map(|p| {
            let variables = p.references().variables().into_iter().map(String::from).collect();
            Expr { source: source.to_string(), program: Arc::new(p), variables }
        });
        compiled.map_err(|e| {
            e.errors.iter().map(|err| (usize::try_from(err.pos.0).unwrap_or(1).max(1), err.msg.clone())).collect()
        })
    }

    pub fn program(&self) -> &cel::Program {
        &self.program
    }

    /// The variables the expression reads (comprehension variables too).
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.variables.iter().map(String::as_str)
    }

    /// The line, from 1, of the expression's node `id`.
    fn line_of(&self, id: u64) -> usize {
        let start = self.program.source_info().offset_for(id).map_or(0, |(start, _)| start as usize);
        self.source.chars().take(start).filter(|c| *c == '\n').count() + 1
    }

    /// Every name the expression reads that `facts` does not offer, with
    /// its line. Comprehension variables (`p` in `list.exists(p, …)`) are
    /// typed by the list they range over, so their fields are checked too.
    pub fn unknown_names(&self, facts: &[(String, Ty)]) -> Vec<ExprProblem> {
        let mut walk = Walk { scope: facts.to_vec(), found: Vec::new() };
        walk.expr(self.program.expression());
        walk.found.into_iter().map(|(id, message)| (self.line_of(id), message)).collect()
    }
}

/// A named predicate of a workflow file: a `rule` that must hold, or a
/// list of what is `missing` that must be empty, or both.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub machine: Machine,
    pub expr: Option<Expr>,
    /// The refusal code of a step it refuses.
    pub code: String,
    /// What a refused person reads.
    pub message: String,
    /// A list of strings naming what is missing, read after the message.
    pub missing: Option<Expr>,
}

impl Rule {
    /// The variables its expressions read: the facts to build for it.
    pub fn reads(&self) -> impl Iterator<Item = &str> {
        self.expr.iter().chain(&self.missing).flat_map(Expr::variables)
    }

    /// Its expressions' text, for people reading what it checks.
    pub fn source(&self) -> String {
        let parts: Vec<String> = [("", &self.expr), ("missing: ", &self.missing)]
            .into_iter()
            .filter_map(|(key, e)| e.as_ref().map(|e| format!("{key}{}", e.source.trim())))
            .collect();
        parts.join("\n")
    }
}

/// The shape of a fact, for checking the names an expression reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Bool,
    Int,
    Double,
    Str,
    Time,
    List(Box<Ty>),
    /// Keys known only at run time (averages by criterion, scores).
    Map(Box<Ty>),
    /// Fixed fields, in the order the facts give them.
    Object(Vec<(String, Ty)>),
    /// Anything: not checked further.
    Dyn,
}

impl Ty {
    /// The shape of a JSON sample: lists take their first element's shape,
    /// objects their fields'.
    pub fn of_json(value: &serde_json::Value) -> Ty {
        use serde_json::Value;
        match value {
            Value::Null => Ty::Dyn,
            Value::Bool(_) => Ty::Bool,
            Value::Number(n) if n.is_i64() => Ty::Int,
            Value::Number(_) => Ty::Double,
            Value::String(_) => Ty::Str,
            Value::Array(items) => Ty::List(Box::new(items.first().map_or(Ty::Dyn, Ty::of_json))),
            Value::Object(fields) => Ty::Object(fields.iter().map(|(k, v)| (k.clone(), Ty::of_json(v))).collect()),
        }
    }

    fn word(&self) -> &'static str {
        match self {
            Ty::Bool => "a boolean",
            Ty::Int => "an integer",
            Ty::Double => "a number",
            Ty::Str => "a string",
            Ty::Time => "a timestamp",
            Ty::List(_) => "a list",
            Ty::Map(_) => "a map",
            Ty::Object(_) => "an object",
            Ty::Dyn => "a value",
        }
    }
}

struct Walk {
    scope: Vec<(String, Ty)>,
    found: Vec<(u64, String)>,
}

/// `a.b.c` for an identifier and the fields selected on it.
fn path(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Node::Ident(name) => Some(name.clone()),
        Node::Select(s) if !s.test => path(&s.operand).map(|p| format!("{p}.{}", s.field)),
        _ => None,
    }
}

impl Walk {
    fn expr(&mut self, e: &IdedExpr) -> Ty {
        match &e.expr {
            Node::Ident(name) => match self.scope.iter().rev().find(|(n, _)| n == name) {
                Some((_, ty)) => ty.clone(),
                None => {
                    let known: Vec<&str> = self.scope.iter().map(|(n, _)| n.as_str()).collect();
                    self.found.push((e.id, format!("unknown name `{name}` (known: {})", known.join(", "))));
                    Ty::Dyn
                }
            },
            Node::Select(s) => {
                let operand = self.expr(&s.operand);
                let ty = self.field(e.id, &s.operand, &operand, &s.field);
                if s.test {
                    Ty::Bool
                } else {
                    ty
                }
            }
            Node::Call(call) => {
                if let Some(target) = &call.target {
                    self.expr(target);
                }
                let args: Vec<Ty> = call.args.iter().map(|a| self.expr(a)).collect();
                match (call.func_name.as_str(), args.as_slice()) {
                    ("_[_]", [List(item), _]) => (**item).clone(),
                    ("_[_]", [Map(value), _]) => (**value).clone(),
                    ("_[_]", [object @ Ty::Object(_), _]) => match &call.args[1].expr {
                        Node::Literal(cel::common::ast::LiteralValue::String(key)) => {
                            self.field(e.id, &call.args[0], object, key.inner())
                        }
                        _ => Ty::Dyn,
                    },
                    _ => Ty::Dyn,
                }
            }
            Node::Comprehension(c) => {
                let range = self.expr(&c.iter_range);
                let item = match range {
                    List(item) => *item,
                    Map(_) => Ty::Str,
                    _ => Ty::Dyn,
                };
                self.expr(&c.accu_init);
                self.scope.push((c.iter_var.clone(), item));
                if let Some(second) = &c.iter_var2 {
                    self.scope.push((second.clone(), Ty::Dyn));
                }
                self.scope.push((c.accu_var.clone(), Ty::Dyn));
                self.expr(&c.loop_cond);
                self.expr(&c.loop_step);
                let result = self.expr(&c.result);
                self.scope.truncate(self.scope.len() - 2 - usize::from(c.iter_var2.is_some()));
                result
            }
            Node::List(list) => {
                let items: Vec<Ty> = list.elements.iter().map(|i| self.expr(i)).collect();
                List(Box::new(items.into_iter().next().unwrap_or(Ty::Dyn)))
            }
            Node::Map(map) => {
                for entry in &map.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(m) => {
                            self.expr(&m.key);
                            self.expr(&m.value);
                        }
                        EntryExpr::StructField(f) => {
                            self.expr(&f.value);
                        }
                    }
                }
                Ty::Dyn
            }
            Node::Struct(s) => {
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        self.expr(&f.value);
                    }
                }
                Ty::Dyn
            }
            Node::Literal(_) | Node::Unspecified => Ty::Dyn,
        }
    }

    /// The shape of `operand.field`, noting a field the operand lacks.
    fn field(&mut self, id: u64, operand: &IdedExpr, ty: &Ty, field: &str) -> Ty {
        let named = || path(operand).unwrap_or_else(|| "the value".into());
        match ty {
            Ty::Object(fields) => match fields.iter().find(|(n, _)| n == field) {
                Some((_, ty)) => ty.clone(),
                None => {
                    let known: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
                    self.found
                        .push((id, format!("`{}` has no field `{field}` (known: {})", named(), known.join(", "))));
                    Ty::Dyn
                }
            },
            Map(value) => (**value).clone(),
            Ty::Dyn => Ty::Dyn,
            scalar => {
                self.found.push((id, format!("`{}` is {} and has no field `{field}`", named(), scalar.word())));
                Ty::Dyn
            }
        }
    }
}

use Ty::{List, Map};
