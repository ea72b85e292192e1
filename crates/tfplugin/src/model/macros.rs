//! [`model!`](crate::model!): one struct declaration that gives a resource, data source,
//! provider or nested object its schema, its decoding, its computed values and the names
//! its messages use.

/// Declares a model: a struct of [`Attr`](crate::model::Attr) fields, one per attribute.
///
/// ```ignore
/// tfplugin::model! {
///     /// The `gate` object.
///     pub struct Gate {
///         /// The file the gate writes.
///         pub sentinel_path: Attr<String> => Spec::required("The file the gate writes."),
///         pub read_only: Attr<bool> => Spec::optional("Whether the mount is read-only."),
///         pub node_file: Attr<String> => Spec::computed("The node file it reaches."),
///     }
/// }
/// ```
///
/// Each field is written `name: Attr<T> => spec`; a raw identifier names the attribute
/// without its `r#` (`r#type` is the attribute `type`). `T` implements
/// [`Typed`](crate::model::Typed), [`Decode`](crate::model::Decode) and
/// [`Encode`](crate::model::Encode), and `spec` is an expression giving a
/// [`Spec`](crate::model::Spec) (it is evaluated each time the schema is built or computed
/// values are written, so it may call `format!`). The struct may take one lifetime,
/// `struct Args<'v>`, for fields that borrow from the value decoded (`Attr<&'v str>`).
///
/// The macro generates:
/// - the struct, with each field's type wrapped as written;
/// - an associated constant per field holding the attribute's name
///   (`Gate::sentinel_path == "sentinel_path"`), for paths and messages;
/// - [`Model`](crate::model::Model): the schema attributes in field order,
///   [`write_computed`](crate::model::Model::write_computed) and
///   [`mark_computed_nulls_unknown`](crate::model::Model::mark_computed_nulls_unknown);
/// - [`Typed`](crate::model::Typed) (a nested object, or a nested block where the field
///   of the enclosing model has a [`Spec::block`](crate::model::Spec::block); a model with
///   blocks of its own is used as a block, since a nested attribute cannot hold blocks),
///   [`Decode`](crate::model::Decode)
///   (every field decoded on its own path; all errors reported, not only the first),
///   [`Encode`](crate::model::Encode) and `Default` (every field null).
#[macro_export]
macro_rules! model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(<$lt:lifetime>)? {
            $(
                $(#[$field_meta:meta])*
                $field_vis:vis $field:ident : Attr<$ty:ty> => $spec:expr
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name $(<$lt>)? {
            $(
                $(#[$field_meta])*
                $field_vis $field: $crate::model::Attr<$ty>,
            )*
        }

        // Named like the fields they stand for; a model need not use every name.
        #[allow(non_upper_case_globals, dead_code)]
        impl $(<$lt>)? $name $(<$lt>)? {
            $(
                #[doc = concat!(
                    "`", stringify!($field),
                    "`: the attribute's name, as the schema, paths and messages spell it."
                )]
                pub const $field: &'static str = $crate::model::field_name(stringify!($field));
            )*
        }

        impl $(<$lt>)? ::core::default::Default for $name $(<$lt>)? {
            fn default() -> Self {
                Self {
                    $($field: $crate::model::Attr::Null,)*
                }
            }
        }

        impl $(<$lt>)? $crate::model::Typed for $name $(<$lt>)? {
            fn ty() -> $crate::types::Type {
                <Self as $crate::model::Model>::schema_block("").value_type()
            }

            fn object_block() -> ::core::option::Option<$crate::schema::Block> {
                ::core::option::Option::Some(<Self as $crate::model::Model>::schema_block(""))
            }

            fn object_attributes() -> ::core::option::Option<
                ::std::vec::Vec<$crate::schema::Attribute>
            > {
                ::core::option::Option::Some(<Self as $crate::model::Model>::attributes())
            }

            fn attribute(name: &str, spec: $crate::model::Spec) -> $crate::schema::Attribute {
                spec.nested(
                    name,
                    $crate::schema::Nesting::Single,
                    <Self as $crate::model::Model>::attributes(),
                )
            }
        }

        impl $(<$lt>)? $crate::model::Encode for $name $(<$lt>)? {
            fn encode(&self) -> $crate::value::Value {
                $crate::value::Value::Object(::std::collections::BTreeMap::from([
                    $((
                        ::std::string::String::from($crate::model::field_name(stringify!($field))),
                        $crate::model::Encode::encode(&self.$field),
                    ),)*
                ]))
            }
        }

        impl $(<$lt>)? $crate::model::Model for $name $(<$lt>)? {
            fn attributes() -> ::std::vec::Vec<$crate::schema::Attribute> {
                let mut attributes = ::std::vec::Vec::new();
                $(
                    let spec: $crate::model::Spec = $spec;
                    let name = $crate::model::field_name(stringify!($field));
                    if !(spec.is_block()
                        && <$ty as $crate::model::Typed>::block(name, spec.clone()).is_some())
                    {
                        attributes.push(<$ty as $crate::model::Typed>::attribute(name, spec));
                    }
                )*
                attributes
            }

            fn blocks() -> ::std::vec::Vec<$crate::schema::NestedBlock> {
                let mut blocks = ::std::vec::Vec::new();
                $(
                    let spec: $crate::model::Spec = $spec;
                    if spec.is_block() {
                        blocks.extend(<$ty as $crate::model::Typed>::block(
                            $crate::model::field_name(stringify!($field)),
                            spec,
                        ));
                    }
                )*
                blocks
            }

            fn write_computed(&self, object: &mut $crate::value::Value) {
                if let $crate::value::Value::Object(map) = object {
                    $(
                        if $crate::model::Spec::is_computed(&$spec) {
                            map.insert(
                                ::std::string::String::from($crate::model::field_name(stringify!($field))),
                                $crate::model::Encode::encode(&self.$field),
                            );
                        }
                    )*
                }
            }

            fn mark_computed_nulls_unknown(&mut self) {
                $(
                    if self.$field.is_null() && $crate::model::Spec::is_computed(&$spec) {
                        self.$field = $crate::model::Attr::Unknown;
                    }
                )*
            }
        }

        $crate::model!(@decode $name [$($lt)?] |value, d| {
            // Every field is read, so one request reports every invalid field.
            let mut invalid = false;
            $(
                let $field = match d.attribute::<$ty>(
                    value,
                    $crate::model::field_name(stringify!($field)),
                ) {
                    ::core::result::Result::Ok(attr) => attr,
                    ::core::result::Result::Err($crate::model::Invalid) => {
                        invalid = true;
                        $crate::model::Attr::Null
                    }
                };
            )*
            if invalid {
                return ::core::result::Result::Err($crate::model::Invalid);
            }
            ::core::result::Result::Ok($crate::model::Attr::Known(Self { $($field,)* }))
        });
    };

    (@decode $name:ident [] |$value:ident, $d:ident| $body:block) => {
        impl<'v> $crate::model::Decode<'v> for $name {
            fn decode_known(
                $value: &'v $crate::value::Value,
                $d: &mut $crate::model::Decoder<'_>,
            ) -> ::core::result::Result<$crate::model::Attr<Self>, $crate::model::Invalid> {
                if $value.as_map().is_none() {
                    return ::core::result::Result::Err($d.wrong_type::<Self>($value));
                }
                $body
            }
        }
    };

    (@decode $name:ident [$lt:lifetime] |$value:ident, $d:ident| $body:block) => {
        impl<$lt> $crate::model::Decode<$lt> for $name<$lt> {
            fn decode_known(
                $value: &$lt $crate::value::Value,
                $d: &mut $crate::model::Decoder<'_>,
            ) -> ::core::result::Result<$crate::model::Attr<Self>, $crate::model::Invalid> {
                if $value.as_map().is_none() {
                    return ::core::result::Result::Err($d.wrong_type::<Self>($value));
                }
                $body
            }
        }
    };
}
