//! Code generated at build time from `proto/` (see `build.rs`).

#![allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]

/// Terraform's provider protocol, version 6.10.
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's own services: controller (shutdown), stdio and broker.
pub mod plugin {
    tonic::include_proto!("plugin");
}
#[cfg(test)]
mod tests {
    use super::{plugin, tfplugin6};
    use prost::Message;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    use tfplugin6::schema;

    /// Polls a future that is expected to complete without ever waiting.
    fn poll_ready<F: Future>(fut: F) -> Option<F::Output> {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(fut).poll(&mut cx) {
            Poll::Ready(out) => Some(out),
            Poll::Pending => None,
        }
    }

    fn nested_attribute() -> schema::Attribute {
        schema::Attribute {
            name: "window".to_owned(),
            nested_type: Some(schema::Object {
                attributes: vec![schema::Attribute {
                    name: "start_time".to_owned(),
                    r#type: br#""string""#.to_vec(),
                    optional: true,
                    ..Default::default()
                }],
                nesting: schema::object::NestingMode::Single as i32,
                // min_items/max_items are `#[deprecated]`; never name them.
                ..Default::default()
            }),
            description: "Reboot window".to_owned(),
            optional: true,
            description_kind: tfplugin6::StringKind::Markdown as i32,
            ..Default::default()
        }
    }

    #[test]
    fn provider_schema_response_round_trips() -> Result<(), prost::DecodeError> {
        let resource = tfplugin6::Schema {
            version: 1,
            block: Some(schema::Block {
                attributes: vec![nested_attribute()],
                ..Default::default()
            }),
        };
        let response = tfplugin6::get_provider_schema::Response {
            provider: Some(tfplugin6::Schema::default()),
            resource_schemas: [("kured_reboot_policy".to_owned(), resource)].into(),
            server_capabilities: Some(tfplugin6::ServerCapabilities {
                plan_destroy: true,
                get_provider_schema_optional: true,
                ..Default::default()
            }),
            ..Default::default()
        };

        let decoded =
            tfplugin6::get_provider_schema::Response::decode(response.encode_to_vec().as_slice())?;
        assert_eq!(decoded, response);
        let attr = &decoded.resource_schemas["kured_reboot_policy"]
            .block
            .as_ref()
            .map(|b| b.attributes.clone())
            .unwrap_or_default()[0];
        assert!(attr.r#type.is_empty());
        assert_eq!(
            attr.nested_type.as_ref().map(|o| o.nesting()),
            Some(schema::object::NestingMode::Single)
        );
        Ok(())
    }

    /// Appends a protobuf varint.
    fn varint(buf: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        buf.push(v as u8);
    }

    fn key(buf: &mut Vec<u8>, field: u32, wire_type: u8) {
        varint(buf, (u64::from(field) << 3) | u64::from(wire_type));
    }

    fn len_delimited(buf: &mut Vec<u8>, field: u32, payload: &[u8]) {
        key(buf, field, 2);
        varint(buf, payload.len() as u64);
        buf.extend_from_slice(payload);
    }

    fn varint_field(buf: &mut Vec<u8>, field: u32, v: u64) {
        key(buf, field, 0);
        varint(buf, v);
    }

    /// Field numbers of `tfplugin6.Schema.Attribute` as published for 6.10.
    #[test]
    fn attribute_field_numbers_match_published_protocol() -> Result<(), prost::DecodeError> {
        // Nested Schema.Object: attributes = 1, nesting = 3.
        let mut inner_attr = Vec::new();
        len_delimited(&mut inner_attr, 1, b"inner");
        let mut object = Vec::new();
        len_delimited(&mut object, 1, &inner_attr);
        varint_field(&mut object, 3, 2); // LIST

        let mut buf = Vec::new();
        len_delimited(&mut buf, 1, b"name"); // name
        len_delimited(&mut buf, 2, b"\"bool\""); // type
        len_delimited(&mut buf, 3, b"desc"); // description
        varint_field(&mut buf, 4, 1); // required
        varint_field(&mut buf, 5, 1); // optional
        varint_field(&mut buf, 6, 1); // computed
        varint_field(&mut buf, 7, 1); // sensitive
        varint_field(&mut buf, 8, 1); // description_kind = MARKDOWN
        varint_field(&mut buf, 9, 1); // deprecated
        len_delimited(&mut buf, 10, &object); // nested_type
        varint_field(&mut buf, 11, 1); // write_only
        len_delimited(&mut buf, 12, b"use x"); // deprecation_message

        let attr = schema::Attribute::decode(buf.as_slice())?;
        assert_eq!(attr.name, "name");
        assert_eq!(attr.r#type, b"\"bool\"");
        assert_eq!(attr.description, "desc");
        assert!(attr.required && attr.optional && attr.computed && attr.sensitive);
        assert_eq!(attr.description_kind(), tfplugin6::StringKind::Markdown);
        assert!(attr.deprecated);
        assert!(attr.write_only);
        assert_eq!(attr.deprecation_message, "use x");
        let nested = attr
            .nested_type
            .as_ref()
            .map(|o| (o.nesting(), o.attributes.len()));
        assert_eq!(nested, Some((schema::object::NestingMode::List, 1)));

        // Encoding a lone field yields exactly the expected key byte.
        let only_write_only = schema::Attribute {
            write_only: true,
            ..Default::default()
        };
        assert_eq!(only_write_only.encode_to_vec(), [0x58, 0x01]);
        let only_nested = schema::Attribute {
            nested_type: Some(schema::Object::default()),
            ..Default::default()
        };
        assert_eq!(only_nested.encode_to_vec(), [0x52, 0x00]);
        Ok(())
    }

    #[test]
    fn other_field_numbers_spot_check() -> Result<(), prost::DecodeError> {
        // Diagnostic: severity = 1, summary = 2, detail = 3, attribute = 4.
        let mut step = Vec::new();
        len_delimited(&mut step, 1, b"reboot_days");
        let mut path = Vec::new();
        len_delimited(&mut path, 1, &step);
        let mut buf = Vec::new();
        varint_field(&mut buf, 1, 1);
        len_delimited(&mut buf, 2, b"bad");
        len_delimited(&mut buf, 3, b"detail");
        len_delimited(&mut buf, 4, &path);
        let diag = tfplugin6::Diagnostic::decode(buf.as_slice())?;
        assert_eq!(diag.severity(), tfplugin6::diagnostic::Severity::Error);
        let first_step = diag
            .attribute
            .and_then(|p| p.steps.into_iter().next())
            .and_then(|s| s.selector);
        assert_eq!(
            first_step,
            Some(tfplugin6::attribute_path::step::Selector::AttributeName(
                "reboot_days".to_owned()
            ))
        );

        // ValidateProviderConfig.Response carries diagnostics at tag 2.
        let resp = tfplugin6::validate_provider_config::Response {
            diagnostics: vec![tfplugin6::Diagnostic::default()],
        };
        assert_eq!(resp.encode_to_vec(), [0x12, 0x00]);

        // StopProvider.Response: the upstream field is `Error = 1`.
        let stop = tfplugin6::stop_provider::Response {
            error: "x".to_owned(),
        };
        assert_eq!(stop.encode_to_vec(), [0x0a, 0x01, b'x']);
        Ok(())
    }

    /// A provider that relies entirely on the generated default stubs.
    struct Unimplemented;

    impl tfplugin6::provider_server::Provider for Unimplemented {}

    struct Controller;

    impl plugin::grpc_controller_server::GrpcController for Controller {}

    #[test]
    fn generated_servers_exist_with_default_stubs() {
        use tfplugin6::provider_server::{Provider, ProviderServer};
        use tonic::server::NamedService;

        let _server = ProviderServer::new(Unimplemented);
        assert_eq!(
            <ProviderServer<Unimplemented> as NamedService>::NAME,
            "tfplugin6.Provider"
        );
        assert_eq!(
            <plugin::grpc_controller_server::GrpcControllerServer<Controller> as NamedService>::NAME,
            "plugin.GRPCController"
        );
        assert_eq!(plugin::grpc_stdio_server::SERVICE_NAME, "plugin.GRPCStdio");
        assert_eq!(
            plugin::grpc_broker_server::SERVICE_NAME,
            "plugin.GRPCBroker"
        );

        let status = poll_ready(Unimplemented.get_provider_schema(tonic::Request::new(
            tfplugin6::get_provider_schema::Request {},
        )))
        .and_then(Result::err)
        .map(|s| s.code());
        assert_eq!(status, Some(tonic::Code::Unimplemented));
    }
}
