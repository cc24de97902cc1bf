#!/usr/bin/env python3
"""Checks the `$K8s.proto` annotations of Capstan's kind schemas against upstream's messages.

For every field of every struct in the given .capnp files: the number, and whether the shape
agrees (repeated or not, map, scalar type, Time/MicroTime/Duration/Quantity/IntOrString/FieldsV1,
nested message type, inline embedded message), using protoc's descriptor of upstream's
generated.proto (an independent reading of the numbers). Also notes upstream fields a struct
does not carry. make_fixtures.sh runs it; exit 1 on any mismatch.

usage: check_schema_numbers.py DESCRIPTOR_TEXT file.capnp...
"""
import re
import sys

def strip_comments(text):
    out=[]
    for line in text.split('\n'):
        # remove # comments not inside strings
        res=''; ins=False; i=0
        while i < len(line):
            c=line[i]
            if c=='"' and (i==0 or line[i-1]!='\\'): ins = not ins
            if c=='#' and not ins: break
            res+=c; i+=1
        out.append(res)
    return '\n'.join(out)
def parse(path):
    text = strip_comments(open(path).read())
    structs = {}
    for m in re.finditer(r'\bstruct (\w+)[^{]*\{', text):
        name = m.group(1)
        # find matching brace
        depth=0; i=m.end()-1; start=i
        ins=False
        while True:
            c=text[i]
            if c=='"' and text[i-1]!='\\': ins=not ins
            if not ins:
                if c=='{': depth+=1
                elif c=='}':
                    depth-=1
                    if depth==0: break
            i+=1
        body=text[start+1:i]
        fields=[]
        # top-level statements at depth 0 within body
        depth=0; cur=''; ins=False
        for c in body:
            if c=='"': ins=not ins
            if not ins and c=='{': depth+=1
            if not ins and c=='}': depth-=1
            cur+=c
            if depth==0 and not ins and (c==';' or c=='}'):
                s=cur.strip(); cur=''
                if not s: continue
                g=re.match(r'(\w+)\s*:group(.*)', s, re.S)
                if g:
                    inner=re.search(r'value\s+@\d+\s*:\s*([\w\.\(\)]+)', s)
                    fields.append(dict(name=g.group(1), group=True, type=inner.group(1) if inner else None,
                                       ann=s[:s.find('{')], text=s))
                    continue
                f=re.match(r'(\w+)\s+@(\d+)\s*:\s*([\w\.]+(?:\([\w\.]+\))?)(.*)', s, re.S)
                if f:
                    fields.append(dict(name=f.group(1), group=False, ordinal=int(f.group(2)), type=f.group(3), ann=f.group(4), text=s))
                elif s.startswith('union'):
                    fields.append(dict(name='<union>', group=False, type='union', ann='', text=s))
        structs[name]=fields
    return structs
msgs = {}
depth_stack = []  # entries: ('msg', name) or ('other', None)
pkg = None; cur_field = None
for line in open(sys.argv[1]):
    s = line.strip()
    if s.startswith('package:') and not depth_stack[1:]: pkg = s.split('"')[1]
    if s.endswith('{'):
        kind = s[:-1].strip()
        if kind in ('message_type','nested_type'): depth_stack.append(['msg', None])
        elif kind == 'field' and depth_stack and depth_stack[-1][0]=='msg': depth_stack.append(['field', {}])
        else: depth_stack.append(['other', None])
        continue
    if s == '}':
        e = depth_stack.pop()
        if e[0] == 'field':
            names = [x[1] for x in depth_stack if x[0]=='msg']
            msgs['.'.join([pkg]+names)][e[1]['name']] = e[1]
        continue
    if depth_stack and depth_stack[-1][0]=='msg' and s.startswith('name:') and depth_stack[-1][1] is None:
        depth_stack[-1][1] = s.split('"')[1]
        names = [x[1] for x in depth_stack if x[0]=='msg']
        msgs['.'.join([pkg]+names)] = {}
        continue
    if depth_stack and depth_stack[-1][0]=='field':
        k, _, v = s.partition(': ')
        depth_stack[-1][1][k] = v.strip('"')
# Which upstream package each schema file mirrors.
PK = {'meta':'k8s.io.apimachinery.pkg.apis.meta.v1','core_v1':'k8s.io.api.core.v1','core_v1_services':'k8s.io.api.core.v1',
      'apps_v1':'k8s.io.api.apps.v1','coordination_v1':'k8s.io.api.coordination.v1','discovery_v1':'k8s.io.api.discovery.v1',
      'metrics_v1beta1':'k8s.io.metrics.pkg.apis.metrics.v1beta1','batch_v1':'k8s.io.api.batch.v1',
      'networking_v1':'k8s.io.api.networking.v1','autoscaling_v2':'k8s.io.api.autoscaling.v2',
      'core_v1_storage':'k8s.io.api.core.v1','storage_v1':'k8s.io.api.storage.v1'}
EXC = {('meta','ObjectReference'):'k8s.io.api.core.v1.ObjectReference', ('meta','LocalObjectReference'):'k8s.io.api.core.v1.LocalObjectReference',
       ('core_v1_services','ServiceCondition'):'k8s.io.apimachinery.pkg.apis.meta.v1.Condition',
       ('networking_v1','TypedLocalObjectReference'):'k8s.io.api.core.v1.TypedLocalObjectReference'}
# Capstan structs that mirror an upstream message under another name.
ALIASES = {('PodAntiAffinity', 'PodAffinity'), ('Condition', 'ServiceCondition')}


def same_type(type_name, capnp_type):
    upstream, ours = type_name.split('.')[-1], capnp_type.split('.')[-1]
    return upstream == ours or (upstream, ours) in ALIASES


errors = 0; checked = 0
def err(m):
    global errors; errors += 1; print('ERROR', m)
for fn in sys.argv[2:]:
    base = fn.split('/')[-1][:-6]
    for sname, fields in parse(fn).items():
        mname = EXC.get((base,sname), PK[base] + '.' + sname)
        if mname not in msgs: err(f'{base}.{sname}: no message {mname}'); continue
        m = msgs[mname]
        covered = set()
        for f in fields:
            a = f['ann']
            num = re.search(r'\$K8s\.proto\((\d+)\)', a)
            if not num:
                if f['name'] not in ('apiVersion','kind'): err(f'{base}.{sname}.{f["name"]}: no number')
                continue
            num = int(num.group(1))
            emb = re.search(r'\$K8s\.protoEmbedded\((\d+)\)', a)
            jn = re.search(r'jsonName\("(\w+)"\)', a); jn = jn.group(1) if jn else f['name']
            target = m
            if emb:
                outer = [x for x in m.values() if int(x['number']) == int(emb.group(1))]
                if len(outer) != 1: err(f'{sname}.{f["name"]}: embedded {emb.group(1)} missing'); continue
                covered.add(outer[0]['name'])
                target = msgs[outer[0]['type_name'].lstrip('.')]
            # proto field names: json names, except DaemonEndpoint Port and go-to-protobuf's
            # spelling of APIGroup in IngressClassParametersReference ("aPIGroup")
            pf = target.get(jn) or target.get(jn[0].lower()+jn[1:]) or target.get({'apiGroup': 'aPIGroup'}.get(jn, ''))
            if pf is None: err(f'{base}.{sname}.{f["name"]}: no proto field {jn} in {mname}'); continue
            if not emb: covered.add(pf['name'])
            checked += 1
            if int(pf['number']) != num: err(f'{base}.{sname}.{f["name"]}: number {num} != proto {pf["number"]}')
            rep = pf['label'] == 'LABEL_REPEATED'
            isList = f['type'] and f['type'].startswith('List(')
            if rep != bool(isList): err(f'{base}.{sname}.{f["name"]}: repeated mismatch')
            tn = pf.get('type_name','')
            t = pf['type']
            def want(cond, what):
                if not cond: err(f'{base}.{sname}.{f["name"]}: {what} (proto {t} {tn}, capnp {f["type"]} {a.strip()[:80]})')
            want(('$K8s.time' in a) == tn.endswith('meta.v1.Time'), 'time')
            want(('$K8s.microTime' in a) == tn.endswith('meta.v1.MicroTime'), 'microTime')
            want(('$K8s.duration' in a) == tn.endswith('meta.v1.Duration'), 'duration')
            want(('$K8s.rawJson' in a) == (tn.endswith('FieldsV1') or tn.endswith('RawExtension')), 'rawJson')
            if tn.endswith('Entry') and 'key' in msgs.get(tn.lstrip('.'),{}) and 'value' in msgs.get(tn.lstrip('.'),{}):
                want('$K8s.map' in a, 'map')
                entry = msgs[tn.lstrip('.')]
                vt = entry['value'].get('type_name','') or entry['value']['type']
                et = f['type']
                exp = {'TYPE_STRING':'List(K8s.StringEntry)','TYPE_BYTES':'List(K8s.BytesEntry)','.k8s.io.apimachinery.pkg.api.resource.Quantity':'List(K8s.QuantityEntry)'}
                want(exp.get(vt) == et, 'map value type')
            elif rep:
                inner = f['type'][5:-1]
                scal = {'TYPE_STRING':'Text','TYPE_INT64':'Int64','TYPE_INT32':'Int32','TYPE_BOOL':'Bool'}
                if t in scal: want(inner == scal[t], 'list element scalar')
                else: want(t == 'TYPE_MESSAGE' and same_type(tn, inner), 'list element message ' + inner)
            else:
                scal = {'TYPE_STRING':'Text','TYPE_INT64':'Int64','TYPE_INT32':'Int32','TYPE_BOOL':'Bool','TYPE_BYTES':'Data'}
                if t in scal: want(f['type'] == scal[t], 'scalar type')
                elif tn.endswith('Quantity'): want('$K8s.quantity' in a and f['type']=='Text', 'quantity')
                elif tn.endswith('IntOrString'): want(f['type'] == 'K8s.IntOrString', 'intorstring')
                elif tn.endswith(('Time','MicroTime','Duration','FieldsV1','RawExtension')): want(f['type']=='Text', 'text-backed message')
                else:
                    want(same_type(tn, f['type']), 'message type')
        missing = [k for k in m if k not in covered]
        if missing: print(f'  note {base}.{sname}: upstream fields not in capnp: ' + ', '.join(f'{k}={m[k]["number"]}' for k in missing))
print(f'checked {checked} fields, {errors} errors')
sys.exit(1 if errors else 0)
