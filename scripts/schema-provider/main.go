// A schema-only OpenTofu provider, written by scripts/tools.sh: it serves the exact schema of one
// provider release (embedded, chosen by this executable's name terraform-provider-<type>_v<version>)
// so that `tofu init` + `tofu validate` can check configuration offline. It cannot plan or apply.
package main

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

//go:embed schemas/*.json
var schemas embed.FS

type jsonAttribute struct {
	Type       json.RawMessage `json:"type"`
	NestedType *jsonNestedType `json:"nested_type"`
	Required   bool            `json:"required"`
	Optional   bool            `json:"optional"`
	Computed   bool            `json:"computed"`
	Sensitive  bool            `json:"sensitive"`
}

type jsonNestedType struct {
	Attributes  map[string]jsonAttribute `json:"attributes"`
	NestingMode string                   `json:"nesting_mode"`
}

type jsonBlockType struct {
	NestingMode string    `json:"nesting_mode"`
	Block       jsonBlock `json:"block"`
	MinItems    int64     `json:"min_items"`
	MaxItems    int64     `json:"max_items"`
}

type jsonBlock struct {
	Attributes map[string]jsonAttribute `json:"attributes"`
	BlockTypes map[string]jsonBlockType `json:"block_types"`
}

type jsonSchema struct {
	Version int64     `json:"version"`
	Block   jsonBlock `json:"block"`
}

type jsonProviderSchema struct {
	Provider          jsonSchema            `json:"provider"`
	ResourceSchemas   map[string]jsonSchema `json:"resource_schemas"`
	DataSourceSchemas map[string]jsonSchema `json:"data_source_schemas"`
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func nesting(mode string) (tfprotov6.SchemaObjectNestingMode, error) {
	switch mode {
	case "single":
		return tfprotov6.SchemaObjectNestingModeSingle, nil
	case "list":
		return tfprotov6.SchemaObjectNestingModeList, nil
	case "set":
		return tfprotov6.SchemaObjectNestingModeSet, nil
	case "map":
		return tfprotov6.SchemaObjectNestingModeMap, nil
	}
	return 0, fmt.Errorf("unknown nesting mode %q", mode)
}

func blockNesting(mode string) (tfprotov6.SchemaNestedBlockNestingMode, error) {
	switch mode {
	case "single":
		return tfprotov6.SchemaNestedBlockNestingModeSingle, nil
	case "list":
		return tfprotov6.SchemaNestedBlockNestingModeList, nil
	case "set":
		return tfprotov6.SchemaNestedBlockNestingModeSet, nil
	case "map":
		return tfprotov6.SchemaNestedBlockNestingModeMap, nil
	}
	return 0, fmt.Errorf("unknown block nesting mode %q", mode)
}

func convertAttributes(in map[string]jsonAttribute) ([]*tfprotov6.SchemaAttribute, error) {
	var out []*tfprotov6.SchemaAttribute
	for _, name := range sortedKeys(in) {
		a := in[name]
		attr := &tfprotov6.SchemaAttribute{Name: name, Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive}
		if a.NestedType != nil {
			mode, err := nesting(a.NestedType.NestingMode)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			attrs, err := convertAttributes(a.NestedType.Attributes)
			if err != nil {
				return nil, fmt.Errorf("%s.%w", name, err)
			}
			attr.NestedType = &tfprotov6.SchemaObject{Nesting: mode, Attributes: attrs}
		} else {
			t, err := tftypes.ParseJSONType(a.Type)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			attr.Type = t
		}
		out = append(out, attr)
	}
	return out, nil
}

func convertBlock(in jsonBlock) (*tfprotov6.SchemaBlock, error) {
	attrs, err := convertAttributes(in.Attributes)
	if err != nil {
		return nil, err
	}
	block := &tfprotov6.SchemaBlock{Attributes: attrs}
	for _, name := range sortedKeys(in.BlockTypes) {
		bt := in.BlockTypes[name]
		mode, err := blockNesting(bt.NestingMode)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		inner, err := convertBlock(bt.Block)
		if err != nil {
			return nil, fmt.Errorf("%s.%w", name, err)
		}
		block.BlockTypes = append(block.BlockTypes, &tfprotov6.SchemaNestedBlock{TypeName: name, Block: inner, Nesting: mode, MinItems: bt.MinItems, MaxItems: bt.MaxItems})
	}
	return block, nil
}

func convertSchema(in jsonSchema) (*tfprotov6.Schema, error) {
	block, err := convertBlock(in.Block)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.Schema{Version: in.Version, Block: block}, nil
}

type server struct {
	tfprotov6.ProviderServer // unimplemented RPCs (never called by init/validate)
	label                    string
	provider                 *tfprotov6.Schema
	resources                map[string]*tfprotov6.Schema
	dataSources              map[string]*tfprotov6.Schema
}

func (s *server) cannot(what string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "Schema-only provider",
		Detail:   fmt.Sprintf("%s is a schema-only build from scripts/tools.sh for offline `tofu validate`; it cannot %s. Use the real provider from the registry to plan or apply.", s.label, what),
	}}
}

func (s *server) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: &tfprotov6.ServerCapabilities{}}
	for _, name := range sortedKeys(s.resources) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(s.dataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: name})
	}
	return resp, nil
}

func (s *server) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities:       &tfprotov6.ServerCapabilities{},
		Provider:                 s.provider,
		ResourceSchemas:          s.resources,
		DataSourceSchemas:        s.dataSources,
		Functions:                map[string]*tfprotov6.Function{},
		EphemeralResourceSchemas: map[string]*tfprotov6.Schema{},
	}, nil
}

func (s *server) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

func (s *server) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: map[string]*tfprotov6.Function{}}, nil
}

func (s *server) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

func (s *server) ValidateResourceConfig(context.Context, *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return &tfprotov6.ValidateResourceConfigResponse{}, nil
}

func (s *server) ValidateDataResourceConfig(context.Context, *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return &tfprotov6.ValidateDataResourceConfigResponse{}, nil
}

func (s *server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (s *server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

func (s *server) UpgradeResourceState(context.Context, *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: s.cannot("read state")}, nil
}

func (s *server) ReadResource(context.Context, *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{Diagnostics: s.cannot("refresh")}, nil
}

func (s *server) PlanResourceChange(context.Context, *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return &tfprotov6.PlanResourceChangeResponse{Diagnostics: s.cannot("plan")}, nil
}

func (s *server) ApplyResourceChange(context.Context, *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: s.cannot("apply")}, nil
}

func (s *server) ImportResourceState(context.Context, *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: s.cannot("import")}, nil
}

func (s *server) ReadDataSource(context.Context, *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return &tfprotov6.ReadDataSourceResponse{Diagnostics: s.cannot("read data sources")}, nil
}

func load(typeName, version string) (*server, error) {
	raw, err := schemas.ReadFile(fmt.Sprintf("schemas/%s_%s.json", typeName, version))
	if err != nil {
		return nil, fmt.Errorf("no embedded schema for %s %s", typeName, version)
	}
	var js jsonProviderSchema
	if err := json.Unmarshal(raw, &js); err != nil {
		return nil, err
	}
	s := &server{label: fmt.Sprintf("terraform-provider-%s v%s", typeName, version), resources: map[string]*tfprotov6.Schema{}, dataSources: map[string]*tfprotov6.Schema{}}
	if s.provider, err = convertSchema(js.Provider); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	for name, rs := range js.ResourceSchemas {
		if s.resources[name], err = convertSchema(rs); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	for name, ds := range js.DataSourceSchemas {
		if s.dataSources[name], err = convertSchema(ds); err != nil {
			return nil, fmt.Errorf("data.%s: %w", name, err)
		}
	}
	return s, nil
}

func main() {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	m := regexp.MustCompile(`^terraform-provider-([a-z0-9-]+)_v(.+)$`).FindStringSubmatch(filepath.Base(exe))
	if m == nil {
		fmt.Fprintf(os.Stderr, "%s: the executable must be named terraform-provider-<type>_v<version>\n", filepath.Base(exe))
		os.Exit(2)
	}
	s, err := load(m[1], m[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(exe), err)
		os.Exit(1)
	}
	if len(os.Args) > 1 && os.Args[1] == "-check" { // self-test: the schema loads
		fmt.Printf("%s: %d resource types, %d data sources\n", s.label, len(s.resources), len(s.dataSources))
		return
	}
	if err := tf6server.Serve("registry.opentofu.org/schema-only/"+m[1], func() tfprotov6.ProviderServer { return s }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
