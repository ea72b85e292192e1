//! [`Attr`]: one attribute's value as Terraform sends it, known, null or unknown.

/// One attribute's value as Terraform sends it.
///
/// At plan time an argument may be unknown (it comes from a resource not yet created), and
/// any optional argument may be null. Models hold every attribute as an `Attr` so that
/// code reading them has to say what it does in each case, and checks can wait for a
/// value instead of failing on it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Attr<T> {
    /// The value. A collection or object may still hold unknowns inside, where its element
    /// or field type is itself an `Attr`.
    Known(T),
    /// No value: the configuration leaves the attribute out or sets it to `null`, or a
    /// computed attribute has not been filled in.
    #[default]
    Null,
    /// A value Terraform does not know yet; it will be known at apply.
    Unknown,
}

impl<T> Attr<T> {
    /// The value, if known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if known, by value.
    pub fn into_known(self) -> Option<T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }

    /// Whether this is [`Attr::Known`].
    pub fn is_known(&self) -> bool {
        matches!(self, Attr::Known(_))
    }

    /// Whether this is [`Attr::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Attr::Null)
    }

    /// Whether this is [`Attr::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }

    /// Whether the configuration gives the attribute a value, known or not yet known.
    pub fn is_given(&self) -> bool {
        !self.is_null()
    }

    /// The value of an optional argument once Terraform knows it: `None` while unknown,
    /// `Some(None)` for null.
    pub fn settled(&self) -> Option<Option<&T>> {
        match self {
            Attr::Known(v) => Some(Some(v)),
            Attr::Null => Some(None),
            Attr::Unknown => None,
        }
    }

    /// An `Attr` of a reference to the value.
    pub fn as_ref(&self) -> Attr<&T> {
        match self {
            Attr::Known(v) => Attr::Known(v),
            Attr::Null => Attr::Null,
            Attr::Unknown => Attr::Unknown,
        }
    }

    /// The known value transformed by `f`; null and unknown stay as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Attr<U> {
        match self {
            Attr::Known(v) => Attr::Known(f(v)),
            Attr::Null => Attr::Null,
            Attr::Unknown => Attr::Unknown,
        }
    }

    /// `default` in place of null: what an optional argument with a default means.
    pub fn or(self, default: T) -> Attr<T> {
        match self {
            Attr::Null => Attr::Known(default),
            other => other,
        }
    }
}

impl Attr<String> {
    /// The known string as a `&str`.
    pub fn as_deref(&self) -> Attr<&str> {
        self.as_ref().map(String::as_str)
    }
}

/// `None` is null: a result the provider does not have is a null attribute.
impl<T> From<Option<T>> for Attr<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Attr::Null, Attr::Known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_answers_for_itself() {
        let known = Attr::Known(3);
        assert_eq!(known.known(), Some(&3));
        assert!(known.is_given() && known.is_known());
        assert!(Attr::<i32>::Unknown.is_given());
        assert!(!Attr::<i32>::Null.is_given());
        assert_eq!(Attr::<i32>::Null.or(7), Attr::Known(7));
        assert_eq!(known.settled(), Some(Some(&3)));
        assert_eq!(Attr::<i32>::Null.settled(), Some(None));
        assert_eq!(Attr::<i32>::Unknown.settled(), None);
        assert_eq!(Attr::<i32>::Unknown.or(7), Attr::Unknown);
        assert_eq!(Attr::from(Some("a")).map(str::len), Attr::Known(1));
        assert_eq!(Attr::<&str>::from(None), Attr::Null);
        assert_eq!(Attr::Known("x".to_string()).as_deref(), Attr::Known("x"));
    }
}
