#!/usr/bin/env python3
"""Drive an OTC API (the kafka-crossvpc sandbox, or a real cloud) with python-otcextensions.

Only the public API of openstacksdk / python-otcextensions and a clouds.yaml are used: the cloud entries
come from the file named by OS_CLIENT_CONFIG_FILE (or the usual clouds.yaml places), the service URLs
from the IAM token's catalog. Steps:

  1. authenticate (password, project scope) and register the OTC services (otcextensions.sdk);
  2. read the DMS Kafka instance through the `dms` proxy, and its cross_vpc_info through the raw
     REST session of the `dmsv2` service (the SDK has no resource for the v2 instance API);
  3. `vpcep` proxy: create an endpoint service for the first broker's port (VM, 9011->9011 TCP,
     approval off), wait until available, list and get it; for a second cloud (cross-account) add the
     client's domain to the whitelist;
  4. `vpcep` proxy of the client cloud: create an endpoint in the client VPC/subnet, wait until
     accepted, list and get it; the provider sees it among the service's connections;
  5. raw REST (`dmsv2`): POST crossvpc/modify to advertise the endpoint IP for that broker, verify it
     by reading the instance again, then restore the previous advertised IPs;
  6. delete the endpoint (wait until 404) and the service (wait until 404).

Prints one JSON line (`"ok": true|false`) on stdout; exits 1 with a message on stderr when a step fails
(resources it created are removed on a best-effort basis). No credentials are printed.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import sys
import time
from importlib import metadata
from typing import Any, Callable

import openstack
from openstack import exceptions
from openstack import resource
from otcextensions import sdk as otc_sdk


class CheckError(Exception):
    """A step did not give what it should."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cloud", required=True, help="clouds.yaml entry of the Kafka instance's account")
    p.add_argument("--client-cloud", help="clouds.yaml entry of the client's account (default: --cloud)")
    p.add_argument("--instance-id", help="DMS Kafka instance (default: the only Kafka instance of --cloud)")
    p.add_argument("--client-vpc-id", required=True, help="VPC (router) where the endpoint is created")
    p.add_argument("--client-subnet-id", required=True, help="subnet (network id) of the endpoint")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each transition")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
    return p.parse_args(argv)


def connect(cloud: str) -> openstack.connection.Connection:
    conn = openstack.connect(cloud=cloud)
    otc_sdk.register_otc_extensions(conn)
    return conn


def access_info(conn: openstack.connection.Connection) -> Any:
    """keystoneauth's AccessInfo of the connection's token (authenticates if needed)."""
    return conn.session.auth.get_access(conn.session)


def raw_json(response: Any, what: str) -> Any:
    exceptions.raise_from_response(response, error_message=what)
    return response.json()


def cross_vpc_entries(instance_body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    text = instance_body.get("cross_vpc_info") or ""
    if not text:
        raise CheckError("instance has no cross_vpc_info")
    entries = json.loads(text)
    if not isinstance(entries, dict) or not entries:
        raise CheckError(f"cross_vpc_info is not a non-empty object: {text!r}")
    return entries


def first_listener(entries: dict[str, dict[str, Any]]) -> str:
    """The first broker: the lowest listener IP (compared as addresses, not strings)."""
    return min(entries, key=lambda ip: ipaddress.ip_address(ip))


class Check:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.result: dict[str, Any] = {"ok": False}
        self.step = "start"
        self.cleanup: list[tuple[str, Callable[[], None]]] = []

    def wait_status(self, proxy: Any, res: Any, status: str, failures: list[str]) -> Any:
        return resource.wait_for_status(
            proxy, res, status, failures, interval=self.args.interval, wait=self.args.timeout
        )

    def wait_gone(self, proxy: Any, res: Any) -> None:
        resource.wait_for_delete(proxy, res, interval=self.args.interval, wait=self.args.timeout)

    def run(self) -> None:
        args = self.args
        started = time.monotonic()
        self.result["sdk"] = {
            name: metadata.version(name) for name in ("otcextensions", "openstacksdk", "keystoneauth1")
        }

        # 1. authenticate
        self.step = "authenticate"
        conn = connect(args.cloud)
        access = access_info(conn)
        if not access.project_scoped:
            raise CheckError("the token is not project-scoped")
        catalog = access.service_catalog.get_endpoints(interface="public")
        self.result["auth"] = {
            "cloud": args.cloud,
            "projectId": access.project_id,
            "projectName": access.project_name,
            "domainId": access.user_domain_id,
            "catalogTypes": sorted(catalog),
            "vpcepEndpoint": conn.endpoint_for("vpcep"),
            "dmsEndpoint": conn.endpoint_for("dms"),
            "dmsv2Endpoint": conn.endpoint_for("dmsv2"),
        }
        client = conn
        if args.client_cloud and args.client_cloud != args.cloud:
            self.step = "authenticate client cloud"
            client = connect(args.client_cloud)
            client_access = access_info(client)
            self.result["clientAuth"] = {
                "cloud": args.client_cloud,
                "projectId": client_access.project_id,
                "domainId": client_access.user_domain_id,
            }
        cross_account = client is not conn

        # 2. DMS instance: dms proxy, then the v2 body (cross_vpc_info) through the raw session
        self.step = "read DMS instance (dms proxy)"
        if args.instance_id:
            inst = conn.dms.get_instance(args.instance_id)
        else:
            kafka = list(conn.dms.instances(engine_name="kafka"))
            if len(kafka) != 1:
                raise CheckError(f"expected exactly one Kafka instance, found {len(kafka)}; pass --instance-id")
            inst = kafka[0]
        if inst.status != "RUNNING":
            raise CheckError(f"instance {inst.id} is {inst.status}, not RUNNING")
        listed = [i.id for i in conn.dms.instances(engine_name="kafka")]
        self.step = "read DMS instance (raw dmsv2 session)"
        body = raw_json(conn.dmsv2.get(f"/instances/{inst.id}"), "GET dmsv2 instance")
        entries = cross_vpc_entries(body)
        listener = first_listener(entries)
        broker = entries[listener]
        original_advertised = {ip: e["advertised_ip"] for ip, e in entries.items()}
        self.result["instance"] = {
            "id": inst.id,
            "name": inst.name,
            "status": inst.status,
            "engine": inst.engine_name,
            "vpcId": inst.router_id,
            "subnetId": inst.network_id,
            "securityGroupId": inst.security_group_id,
            "listedByProxy": inst.id in listed,
            "brokers": len(entries),
            "listenerIp": listener,
            "portId": broker["port_id"],
        }
        if body.get("vpc_id") != inst.router_id:
            raise CheckError("dms proxy and dmsv2 disagree on vpc_id")

        # 3. endpoint service (provider side)
        self.step = "create endpoint service"
        svc = conn.vpcep.create_service(
            port_id=broker["port_id"],
            router_id=inst.router_id,
            server_type="VM",
            service_type="interface",
            ports=[{"client_port": 9011, "server_port": 9011, "protocol": "TCP"}],
            approval_enabled=False,
        )
        self.cleanup.append(("endpoint service", lambda: self.remove(conn.vpcep, conn.vpcep.delete_service, svc)))
        status_after_create = svc.status
        self.step = "wait for endpoint service available"
        svc = self.wait_status(conn.vpcep, svc, "available", ["failed"])
        self.step = "list and get endpoint service"
        listed_ids = [s.id for s in conn.vpcep.services()]
        fetched = conn.vpcep.get_service(svc.id)
        found = conn.vpcep.find_service(fetched.service_name)
        if svc.id not in listed_ids or fetched.id != svc.id or found.id != svc.id:
            raise CheckError(f"service {svc.id} not listed/fetched/found by name")
        if fetched.is_approval_enabled is not False or fetched.port_id != broker["port_id"]:
            raise CheckError("service does not carry approval_enabled=false and the broker's port_id")
        self.result["service"] = {
            "id": svc.id,
            "name": fetched.service_name,
            "statusAfterCreate": status_after_create,
            "status": fetched.status,
            "serverType": fetched.server_type,
            "serviceType": fetched.service_type,
            "approvalEnabled": fetched.is_approval_enabled,
            "ports": [{"client_port": p.client_port, "server_port": p.server_port, "protocol": p.protocol} for p in fetched.ports],
            "listed": True,
            "foundByName": True,
        }
        if cross_account:
            self.step = "whitelist the client's domain"
            domain_id = self.result["clientAuth"]["domainId"]
            added = [w.permission for w in conn.vpcep.manage_service_whitelist(svc, "add", domains=[domain_id])]
            records = [w.permission for w in conn.vpcep.service_whitelist(svc)]
            if f"iam:domain::{domain_id}" not in records:
                raise CheckError(f"whitelist does not list the client's domain: {records}")
            self.result["whitelist"] = {"added": added, "records": records}

        # 4. endpoint (consumer side)
        self.step = "create endpoint"
        ep = client.vpcep.create_endpoint(
            endpoint_service_id=svc.id,
            router_id=args.client_vpc_id,
            network_id=args.client_subnet_id,
            enable_dns=False,
        )
        self.cleanup.append(("endpoint", lambda: self.remove(client.vpcep, client.vpcep.delete_endpoint, ep)))
        ep_status_after_create = ep.status
        self.step = "wait for endpoint accepted"
        ep = self.wait_status(client.vpcep, ep, "accepted", ["failed", "rejected"])
        self.step = "list and get endpoint"
        ep_listed = [e.id for e in client.vpcep.endpoints(router_id=args.client_vpc_id)]
        ep_fetched = client.vpcep.get_endpoint(ep.id)
        if ep.id not in ep_listed or ep_fetched.id != ep.id:
            raise CheckError(f"endpoint {ep.id} not listed/fetched")
        if not ep_fetched.ip:
            raise CheckError("accepted endpoint has no ip")
        if ep_fetched.endpoint_service_id != svc.id:
            raise CheckError("endpoint names another service")
        self.step = "list service connections"
        connections = {c.id: c.status for c in conn.vpcep.service_connections(svc)}
        if connections.get(ep.id) != "accepted":
            raise CheckError(f"the provider does not see the endpoint as an accepted connection: {connections}")
        self.result["endpoint"] = {
            "id": ep.id,
            "statusAfterCreate": ep_status_after_create,
            "status": ep_fetched.status,
            "ip": ep_fetched.ip,
            "serviceName": ep_fetched.endpoint_service_name,
            "vpcId": ep_fetched.router_id,
            "subnetId": ep_fetched.network_id,
            "listed": True,
            "connectionStatus": connections[ep.id],
        }

        # 5. crossvpc/modify through the raw REST session (no SDK resource for it)
        self.step = "crossvpc/modify (raw dmsv2 session)"
        wanted = dict(original_advertised)
        wanted[listener] = ep_fetched.ip
        self.cleanup.append(("advertised IPs", lambda: self.modify(conn, inst.id, original_advertised)))
        modify_result = self.modify(conn, inst.id, wanted)
        after = cross_vpc_entries(raw_json(conn.dmsv2.get(f"/instances/{inst.id}"), "GET dmsv2 instance"))
        advertised_after = {ip: e["advertised_ip"] for ip, e in after.items()}
        if advertised_after != wanted:
            raise CheckError(f"advertised IPs after modify are {advertised_after}, wanted {wanted}")
        self.step = "restore advertised IPs"
        self.modify(conn, inst.id, original_advertised)
        self.cleanup.pop()
        restored = cross_vpc_entries(raw_json(conn.dmsv2.get(f"/instances/{inst.id}"), "GET dmsv2 instance"))
        self.result["crossVpc"] = {
            "modified": {listener: ep_fetched.ip},
            "success": modify_result.get("success"),
            "results": modify_result.get("results"),
            "advertisedAfter": advertised_after,
            "restored": {ip: e["advertised_ip"] for ip, e in restored.items()} == original_advertised,
        }

        # 6. delete endpoint, then service
        self.step = "delete endpoint"
        client.vpcep.delete_endpoint(ep)
        self.wait_gone(client.vpcep, ep)
        self.cleanup = [c for c in self.cleanup if c[0] != "endpoint"]
        self.step = "delete endpoint service"
        conn.vpcep.delete_service(svc)
        self.wait_gone(conn.vpcep, svc)
        self.cleanup = [c for c in self.cleanup if c[0] != "endpoint service"]
        leftover = [s.id for s in conn.vpcep.services() if s.id == svc.id]
        if leftover:
            raise CheckError("deleted service is still listed")
        self.result["deleted"] = {"endpoint": True, "service": True}
        self.result["elapsedSeconds"] = round(time.monotonic() - started, 2)
        self.result["ok"] = True

    def modify(self, conn: Any, instance_id: str, contents: dict[str, str]) -> dict[str, Any]:
        response = conn.dmsv2.post(
            f"/instances/{instance_id}/crossvpc/modify", json={"advertised_ip_contents": contents}
        )
        body = raw_json(response, "POST crossvpc/modify")
        if body.get("success") is not True:
            raise CheckError(f"crossvpc/modify did not succeed: {body}")
        return body

    def remove(self, proxy: Any, delete: Callable[..., Any], res: Any) -> None:
        delete(res, ignore_missing=True)
        self.wait_gone(proxy, res)

    def undo(self) -> list[str]:
        failed = []
        for what, fn in reversed(self.cleanup):
            try:
                fn()
            except Exception as err:  # best effort: report and go on
                failed.append(f"{what}: {err}")
        self.cleanup = []
        return failed


def main(argv: list[str]) -> int:
    check = Check(parse_args(argv))
    try:
        check.run()
    except Exception as err:
        check.result.update(ok=False, step=check.step, error=f"{type(err).__name__}: {err}")
        cleanup_errors = check.undo()
        if cleanup_errors:
            check.result["cleanupErrors"] = cleanup_errors
        print(json.dumps(check.result, sort_keys=True))
        print(f"otcext_sandbox_check: step '{check.step}' failed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(check.result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
