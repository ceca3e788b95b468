# members.py writes members.json from botocore's model of Cognito user
# pools: for each operation, the members of its input shape that the model
# marks required or limits in length, in the model's order (see check.go).
#
#   python3 idp/wire/members.py > idp/wire/members.json
import botocore, gzip, json, os

model = json.load(gzip.open(os.path.join(os.path.dirname(botocore.__file__),
                                         "data/cognito-idp/2016-04-18/service-2.json.gz")))
shapes = model["shapes"]


def members(op):
    shape = shapes[op["input"]["shape"]] if "input" in op else {"members": {}}
    required = shape.get("required", [])
    out = []
    for name, ref in shape["members"].items():
        target = shapes[ref["shape"]]
        entry = {"name": name, "type": target["type"]}
        if name in required:
            entry["required"] = True
        if target["type"] == "string" and "max" in target:
            entry["max"] = target["max"]
        if len(entry) > 2:
            out.append(entry)
    return out


ops = sorted(model["operations"].items())
print("{")
for i, (name, op) in enumerate(ops):
    print("  %s: %s%s" % (json.dumps(name), json.dumps(members(op)), "," if i < len(ops) - 1 else ""))
print("}")
