// gotc-check drives the sandbox with the real gophertelekomcloud SDK (pinned in go.mod) in AK/SK mode, i.e.
// with the scoped `SDK-HMAC-SHA256 Credential=…` signatures the Terraform OTC provider sends.
//
//	gotc-check seed CONFIG.json   the seed procedure, one JSON line per step, then a summary line; exit 1 if a step failed
//	gotc-check vectors            requests signed by the SDK's own signer at a fixed time, as JSON (verifier fixtures)
//
// Only the SDK's public API is used. Nothing is printed that contains a secret key.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	golangsdk "github.com/opentelekomcloud/gophertelekomcloud"
	"github.com/opentelekomcloud/gophertelekomcloud/openstack"
	"github.com/opentelekomcloud/gophertelekomcloud/openstack/common/tags"
	"github.com/opentelekomcloud/gophertelekomcloud/openstack/dms/v2/instances/lifecycle"
	"github.com/opentelekomcloud/gophertelekomcloud/openstack/dms/v2/instances/management"
	"github.com/opentelekomcloud/gophertelekomcloud/openstack/networking/v2/extensions/security/rules"
	"github.com/opentelekomcloud/gophertelekomcloud/openstack/vpcep/v1/endpoints"
	"github.com/opentelekomcloud/gophertelekomcloud/openstack/vpcep/v1/quota"
	"github.com/opentelekomcloud/gophertelekomcloud/openstack/vpcep/v1/services"
)

type config struct {
	AuthURL         string `json:"authUrl"`
	Region          string `json:"region"`
	ProjectName     string `json:"projectName"`
	AK              string `json:"ak"`
	SK              string `json:"sk"`
	InstanceID      string `json:"instanceId"`
	InstanceVpcID   string `json:"instanceVpcId"`
	SecurityGroupID string `json:"securityGroupId"`
	ClientVpcID     string `json:"clientVpcId"`
	ClientSubnetID  string `json:"clientSubnetId"`
	WhitelistDomain string `json:"whitelistDomainId"`
	TimeoutSeconds  int    `json:"timeoutSeconds"`
}

type stepLine struct {
	Step   string `json:"step"`
	OK     bool   `json:"ok"`
	Ms     int64  `json:"ms"`
	Detail string `json:"detail,omitempty"`
}

var (
	steps  []stepLine
	failed int
)

func record(name string, started time.Time, err error, detail string) bool {
	line := stepLine{Step: name, OK: err == nil, Ms: time.Since(started).Milliseconds(), Detail: detail}
	if err != nil {
		line.Detail = err.Error()
		failed++
	}
	steps = append(steps, line)
	out, _ := json.Marshal(line)
	fmt.Println(string(out))
	return err == nil
}

func step(name string, fn func() (string, error)) bool {
	started := time.Now()
	detail, err := fn()
	return record(name, started, err, detail)
}

func waitFor(timeout time.Duration, what string, fn func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		done, err := fn()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func is404(err error) bool {
	var e golangsdk.ErrDefault404
	return errors.As(err, &e)
}

func statusOf(err error) int {
	var e golangsdk.ErrUnexpectedResponseCode
	if errors.As(err, &e) {
		return e.Actual
	}
	var e401 golangsdk.ErrDefault401
	if errors.As(err, &e401) {
		return 401
	}
	return 0
}

func provider(c config, sk string) (*golangsdk.ProviderClient, error) {
	client, err := openstack.NewClient(c.AuthURL)
	if err != nil {
		return nil, err
	}
	client.HTTPClient = http.Client{Timeout: 20 * time.Second}
	err = openstack.Authenticate(client, golangsdk.AKSKAuthOptions{
		IdentityEndpoint: c.AuthURL,
		ProjectName:      c.ProjectName,
		Region:           c.Region,
		AccessKey:        c.AK,
		SecretKey:        sk,
	})
	return client, err
}

func runSeed(path string) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	timeout := time.Duration(c.TimeoutSeconds) * time.Second
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	eo := golangsdk.EndpointOpts{Region: c.Region}

	var pc *golangsdk.ProviderClient
	if !step("iam: AK/SK project lookup and catalog (token-less)", func() (string, error) {
		var err error
		pc, err = provider(c, c.SK)
		if err != nil {
			return "", err
		}
		if pc.ProjectID == "" {
			return "", errors.New("no project id resolved")
		}
		return "project " + pc.ProjectID, nil
	}) {
		return summary()
	}

	var vpcep, dms, network *golangsdk.ServiceClient
	if !step("catalog: vpcep, dmsv2 and network clients", func() (string, error) {
		var err error
		if vpcep, err = openstack.NewVpcEpV1(pc, eo); err != nil {
			return "", err
		}
		if dms, err = openstack.NewDMSServiceV2(pc, eo); err != nil {
			return "", err
		}
		if network, err = openstack.NewNetworkV2(pc, eo); err != nil {
			return "", err
		}
		return fmt.Sprintf("vpcep %s, dmsv2 %s, network %s", vpcep.Endpoint, dms.Endpoint, network.ResourceBaseURL()), nil
	}) {
		return summary()
	}

	type entry struct {
		AdvertisedIP string `json:"advertised_ip"`
		Port         int    `json:"port"`
		PortID       string `json:"port_id"`
	}
	var crossVpc map[string]entry
	var listeners []string
	if !step("dms: get instance (cross_vpc_info)", func() (string, error) {
		inst, err := lifecycle.Get(dms, c.InstanceID)
		if err != nil {
			return "", err
		}
		if inst.Status != "RUNNING" {
			return "", fmt.Errorf("instance status %s", inst.Status)
		}
		if err := json.Unmarshal([]byte(inst.CrossVpcInfo), &crossVpc); err != nil {
			return "", fmt.Errorf("cross_vpc_info: %w", err)
		}
		for ip := range crossVpc {
			listeners = append(listeners, ip)
		}
		sort.Strings(listeners)
		if len(listeners) == 0 || len(listeners) != inst.BrokerNum {
			return "", fmt.Errorf("%d cross_vpc_info entries for %d brokers", len(listeners), inst.BrokerNum)
		}
		return fmt.Sprintf("%d brokers, first listener %s", len(listeners), listeners[0]), nil
	}) {
		return summary()
	}
	listener := listeners[0]
	portID := crossVpc[listener].PortID

	var svc *services.Service
	approval := false
	if !step("vpcep: create endpoint service (VM, 9011, approval off)", func() (string, error) {
		var err error
		svc, err = services.Create(vpcep, services.CreateOpts{
			PortID:          portID,
			VpcId:           c.InstanceVpcID,
			ServerType:      services.ServerTypeVM,
			ServiceType:     services.ServiceTypeInterface,
			ApprovalEnabled: &approval,
			Ports:           []services.PortMapping{{ClientPort: 9011, ServerPort: 9011, Protocol: "TCP"}},
			ServiceName:     "gotc-check",
			Tags:            []tags.ResourceTag{{Key: "crossvpc-check", Value: "gophertelekomcloud"}},
		})
		if err != nil {
			return "", err
		}
		return svc.ID + " " + string(svc.Status), nil
	}) {
		return summary()
	}
	cleanupService := func() {
		step("vpcep: delete endpoint service, wait for 404", func() (string, error) {
			if err := services.Delete(vpcep, svc.ID); err != nil {
				return "", err
			}
			return "", waitFor(timeout, "service 404", func() (bool, error) {
				_, err := services.Get(vpcep, svc.ID)
				if is404(err) {
					return true, nil
				}
				return false, err
			})
		})
	}

	ok := step("vpcep: get endpoint service until available", func() (string, error) {
		return "", waitFor(timeout, "service available", func() (bool, error) {
			s, err := services.Get(vpcep, svc.ID)
			if err != nil {
				return false, err
			}
			if s.Status == services.StatusFailed {
				return false, fmt.Errorf("service failed: %+v", s.Error)
			}
			return s.Status == services.StatusAvailable, nil
		})
	}) && step("vpcep: list endpoint services (finds it)", func() (string, error) {
		all, err := services.List(vpcep, services.ListOpts{})
		if err != nil {
			return "", err
		}
		for _, s := range all {
			if s.ID == svc.ID {
				return fmt.Sprintf("%d listed", len(all)), nil
			}
		}
		return "", fmt.Errorf("service %s not in the list of %d", svc.ID, len(all))
	})
	if ok && c.WhitelistDomain != "" {
		ok = step("vpcep: whitelist another account (permissions/action add, then list)", func() (string, error) {
			perm := "iam:domain::" + c.WhitelistDomain
			if _, err := endpoints.BatchUpdateWhitelist(vpcep, svc.ID, endpoints.BatchUpdateReq{Permissions: []string{perm}, Action: "add"}); err != nil {
				return "", err
			}
			list, err := endpoints.GetWhitelist(vpcep, svc.ID)
			if err != nil {
				return "", err
			}
			for _, p := range list.Permissions {
				if p.Permission == perm {
					return perm, nil
				}
			}
			return "", fmt.Errorf("%s not in the whitelist %+v", perm, list.Permissions)
		})
	}
	if !ok {
		cleanupService()
		return summary()
	}

	var ep *endpoints.Endpoint
	var endpointIP string
	ok = step("vpcep: create endpoint in the client VPC", func() (string, error) {
		var err error
		ep, err = endpoints.Create(vpcep, endpoints.CreateOpts{ServiceID: svc.ID, VpcId: c.ClientVpcID, NetworkID: c.ClientSubnetID})
		if err != nil {
			return "", err
		}
		return ep.ID + " " + string(ep.Status), nil
	})
	if ok {
		ok = step("vpcep: get endpoint until accepted (private IP)", func() (string, error) {
			err := waitFor(timeout, "endpoint accepted", func() (bool, error) {
				got, err := endpoints.Get(vpcep, ep.ID)
				if err != nil {
					return false, err
				}
				if got.Status == endpoints.StatusFailed || got.Status == "rejected" {
					return false, fmt.Errorf("endpoint %s", got.Status)
				}
				endpointIP = got.IP
				return got.Status == endpoints.StatusAccepted && got.IP != "", nil
			})
			return endpointIP, err
		}) && step("vpcep: list endpoints (finds it)", func() (string, error) {
			all, err := endpoints.List(vpcep, endpoints.ListOpts{})
			if err != nil {
				return "", err
			}
			for _, e := range all {
				if e.ID == ep.ID {
					return fmt.Sprintf("%d listed", len(all)), nil
				}
			}
			return "", fmt.Errorf("endpoint %s not listed", ep.ID)
		}) && step("vpcep: quotas", func() (string, error) {
			q, err := quota.Get(vpcep, "endpoint")
			if err != nil {
				return "", err
			}
			if q.Quotas == nil || len(q.Quotas.Resources) == 0 {
				return "", errors.New("no quota resources")
			}
			r := q.Quotas.Resources[0]
			return fmt.Sprintf("%s %d/%d", r.Type, r.Used, r.Quota), nil
		})
	}

	var ruleID string
	if ok {
		ok = step("vpc: security group rule ingress TCP 9011 from 198.19.128.0/17 (Neutron)", func() (string, error) {
			port := 9011
			r, err := rules.Create(network, rules.CreateOpts{
				Direction:      rules.DirIngress,
				EtherType:      rules.EtherType4,
				SecGroupID:     c.SecurityGroupID,
				Protocol:       rules.ProtocolTCP,
				PortRangeMin:   &port,
				PortRangeMax:   &port,
				RemoteIPPrefix: "198.19.128.0/17",
				Description:    "gophertelekomcloud check",
			}).Extract()
			if err != nil {
				return "", err
			}
			ruleID = r.ID
			got, err := rules.Get(network, r.ID).Extract()
			if err != nil {
				return "", err
			}
			if got.PortRangeMin == nil || *got.PortRangeMin != 9011 || got.RemoteIPPrefix != "198.19.128.0/17" {
				return "", fmt.Errorf("rule read back as %+v", got)
			}
			return fmt.Sprintf("%s %s %d", got.ID, got.RemoteIPPrefix, *got.PortRangeMin), nil
		})
	}

	if ok {
		ok = step("dms: crossvpc/modify to the endpoint IP, read back, restore", func() (string, error) {
			contents := map[string]string{}
			original := map[string]string{}
			for ip, e := range crossVpc {
				contents[ip] = e.AdvertisedIP
				original[ip] = e.AdvertisedIP
			}
			contents[listener] = endpointIP
			res, err := management.UpdateCrossVpc(dms, c.InstanceID, management.CrossVpcUpdateOpts{Contents: contents})
			if err != nil {
				return "", err
			}
			if !res.Success {
				return "", fmt.Errorf("success=false: %+v", res.Connections)
			}
			inst, err := lifecycle.Get(dms, c.InstanceID)
			if err != nil {
				return "", err
			}
			var now map[string]entry
			if err := json.Unmarshal([]byte(inst.CrossVpcInfo), &now); err != nil {
				return "", err
			}
			if now[listener].AdvertisedIP != endpointIP {
				return "", fmt.Errorf("%s advertises %s, not %s", listener, now[listener].AdvertisedIP, endpointIP)
			}
			back, err := management.UpdateCrossVpc(dms, c.InstanceID, management.CrossVpcUpdateOpts{Contents: original})
			if err != nil {
				return "", err
			}
			if !back.Success {
				return "", fmt.Errorf("restore success=false: %+v", back.Connections)
			}
			return fmt.Sprintf("%s advertised %s, restored", listener, endpointIP), nil
		})
	}

	if ruleID != "" {
		step("vpc: delete the security group rule", func() (string, error) {
			return "", rules.Delete(network, ruleID).ExtractErr()
		})
	}
	if ep != nil {
		step("vpcep: delete endpoint, wait for 404", func() (string, error) {
			if err := endpoints.Delete(vpcep, ep.ID); err != nil {
				return "", err
			}
			return "", waitFor(timeout, "endpoint 404", func() (bool, error) {
				_, err := endpoints.Get(vpcep, ep.ID)
				if is404(err) {
					return true, nil
				}
				return false, err
			})
		})
	}
	cleanupService()

	step("iam: a wrong SK is refused (401)", func() (string, error) {
		_, err := provider(c, c.SK+"x")
		if err == nil {
			return "", errors.New("authentication with a wrong SK succeeded")
		}
		if s := statusOf(err); s != 401 {
			return "", fmt.Errorf("expected 401, got %d: %v", s, err)
		}
		return "401", nil
	})
	return summary()
}

func summary() int {
	out, _ := json.Marshal(map[string]interface{}{"done": true, "steps": len(steps), "failed": failed})
	fmt.Println(string(out))
	if failed > 0 {
		return 1
	}
	return 0
}

// ---- vectors ------------------------------------------------------------------------------------------------

type vector struct {
	Name          string     `json:"name"`
	Method        string     `json:"method"`
	URL           string     `json:"url"`
	Headers       [][]string `json:"headers"`
	Body          string     `json:"body"`
	Authorization string     `json:"authorization"`
	SdkDate       string     `json:"sdkDate"`
}

// The published example keys of the API signing guide (not secrets).
const (
	vectorAK = "QTWAOYTTINDUT2QVKYUC"
	vectorSK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
)

// signAt signs with golangsdk.Sign as the SDK does, at the fixed time `at` (Sign reads the clock; its
// TimeOffsetInSeconds option shifts it, and a signature that straddled a second boundary is simply redone).
func signAt(at time.Time, build func() *http.Request, region, service string) *http.Request {
	want := at.UTC().Format("20060102T150405Z")
	for {
		req := build()
		golangsdk.Sign(req, golangsdk.SignOptions{
			AccessKey:           vectorAK,
			SecretKey:           vectorSK,
			RegionName:          region,
			ServiceName:         service,
			TimeOffsetInSeconds: time.Now().Unix() - at.Unix(),
		})
		if req.Header.Get("X-Sdk-Date") == want {
			return req
		}
	}
}

func runVectors() int {
	at := time.Date(2024, 3, 7, 9, 30, 15, 0, time.UTC)
	mk := func(method, url string, body []byte, headers map[string]string) func() *http.Request {
		return func() *http.Request {
			var r io.Reader
			if body != nil {
				r = bytes.NewReader(body)
			}
			req, _ := http.NewRequest(method, url, r)
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			return req
		}
	}
	json1 := []byte(`{"advertised_ip_contents":{"192.168.0.61":"10.1.0.5"}}`)
	cases := []struct {
		name, region, service string
		build                 func() *http.Request
	}{
		{"get-project-by-name", "", "", mk("GET", "https://iam.eu-de.otc.t-systems.com/v3/projects?name=eu-de", nil, map[string]string{"Accept": "application/json", "User-Agent": "golangsdk/2.0.0"})},
		{"get-with-query-order-and-escapes", "", "", mk("GET", "https://vpcep.eu-de.otc.t-systems.com/v1/0391e4486e864c26be5654c522f440f2/vpc-endpoints?limit=10&Offset=0&endpoint_service_name=a%20b%2Fc&id=x&id=y", nil, map[string]string{"Accept": "application/json"})},
		{"post-json-body", "", "", mk("POST", "https://dms.eu-de.otc.t-systems.com/v2/0391e4486e864c26be5654c522f440f2/instances/8354dde6-8229-4ff4-844d-ab7121be9745/crossvpc/modify", json1, map[string]string{"Content-Type": "application/json", "Accept": "application/json"})},
		{"post-without-body-hashes-query", "", "", mk("POST", "https://vpcep.eu-de.otc.t-systems.com/v1/0391e4486e864c26be5654c522f440f2/some/action?b=2&a=1%202", nil, map[string]string{"Accept": "application/json"})},
		{"delete-no-body", "", "", mk("DELETE", "https://vpcep.eu-de.otc.t-systems.com/v1/0391e4486e864c26be5654c522f440f2/vpc-endpoints/6a5b4c3d-0000-4000-8000-000000000001", nil, map[string]string{"Accept": "application/json"})},
		{"scope-with-region-and-service", "eu-de", "vpcep", mk("GET", "https://vpcep.eu-de.otc.t-systems.com/v1/0391e4486e864c26be5654c522f440f2/quotas?type=endpoint", nil, map[string]string{"Accept": "application/json"})},
		{"header-whitespace-collapsed", "", "", mk("GET", "https://vpc.eu-de.otc.t-systems.com/v2.0/security-group-rules?security_group_id=abc", nil, map[string]string{"Accept": "application/json", "X-Custom": "a   b\tc"})},
	}
	var out []vector
	for _, c := range cases {
		req := signAt(at, c.build, c.region, c.service)
		var body string
		if req.Body != nil {
			b, _ := io.ReadAll(req.Body)
			body = string(b)
		}
		names := make([]string, 0, len(req.Header))
		for k := range req.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		var headers [][]string
		for _, k := range names {
			if strings.EqualFold(k, "Authorization") {
				continue
			}
			for _, v := range req.Header[k] {
				headers = append(headers, []string{k, v})
			}
		}
		out = append(out, vector{Name: c.name, Method: req.Method, URL: req.URL.String(), Headers: headers, Body: body, Authorization: req.Header.Get("Authorization"), SdkDate: req.Header.Get("X-Sdk-Date")})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func main() {
	if len(os.Args) >= 3 && os.Args[1] == "seed" {
		os.Exit(runSeed(os.Args[2]))
	}
	if len(os.Args) == 2 && os.Args[1] == "vectors" {
		os.Exit(runVectors())
	}
	fmt.Fprintln(os.Stderr, "usage: gotc-check seed CONFIG.json | gotc-check vectors")
	os.Exit(2)
}
