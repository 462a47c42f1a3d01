(function () {
"use strict";
var RHO = 0.005, SLACK = 1e-9, EPS = Math.pow(2, -52);
var G = JSON.parse(document.getElementById("graph").textContent);
var SKIPPED = G.skipped;  /* check.SKIPPED */

function FormulaError(message) { this.name = "FormulaError"; this.message = message; }
FormulaError.prototype = Object.create(Error.prototype);
function fail(message) { throw new FormulaError(message); }

/* -- matrices: r x c numbers, nd 0 (a number) or 2 ------------------------------------- */
function Mat(r, c, nd) {
  this.r = r;
  this.c = c;
  this.nd = nd === undefined ? 2 : nd;
  this.d = new Float64Array(r * c);
}
function num(x) { return x === null ? NaN : typeof x === "string" ? Number(x) : x; }
function fromRows(rows) {
  var m = new Mat(rows.length, rows.length ? rows[0].length : 0);
  for (var i = 0; i < m.r; i++) for (var j = 0; j < m.c; j++) m.d[i * m.c + j] = num(rows[i][j]);
  return m;
}
function scalar(x) { var m = new Mat(1, 1, 0); m.d[0] = x; return m; }
function copy(a) { var m = new Mat(a.r, a.c, a.nd); m.d.set(a.d); return m; }
function as2d(a) { if (a.nd === 2) return a; var m = copy(a); m.nd = 2; return m; }
function map(a, f) {
  var m = new Mat(a.r, a.c, a.nd);
  for (var i = 0; i < a.d.length; i++) m.d[i] = f(a.d[i]);
  return m;
}
function shapeOf(a) { return a.nd === 0 ? "a number" : a.r + " x " + a.c; }
function bshape(a, b) {
  if (a.nd === 0) return [b.r, b.c, b.nd];
  if (b.nd === 0) return [a.r, a.c, a.nd];
  var r = a.r === b.r ? a.r : a.r === 1 ? b.r : b.r === 1 ? a.r : -1;
  var c = a.c === b.c ? a.c : a.c === 1 ? b.c : b.c === 1 ? a.c : -1;
  if (r < 0 || c < 0) fail("shapes " + shapeOf(a) + " and " + shapeOf(b) + " do not match");
  return [r, c, 2];
}
/* f(x0, x1, y0, y1) over the broadcast shape of a (a0, a1) and b (b0, b1) */
function zip4(a0, a1, b0, b1, f) {
  var s = bshape(a0, b0), m = new Mat(s[0], s[1], s[2]);
  for (var i = 0; i < m.r; i++) for (var j = 0; j < m.c; j++) {
    var p = (a0.r === 1 ? 0 : i) * a0.c + (a0.c === 1 ? 0 : j);
    var q = (b0.r === 1 ? 0 : i) * b0.c + (b0.c === 1 ? 0 : j);
    m.d[i * m.c + j] = f(a0.d[p], a1.d[p], b0.d[q], b1.d[q]);
  }
  return m;
}
function zip(a, b, f) { return zip4(a, a, b, b, function (x, _x, y) { return f(x, y); }); }
function transpose(a) {
  var m = new Mat(a.c, a.r);
  for (var i = 0; i < a.r; i++) for (var j = 0; j < a.c; j++) m.d[j * a.r + i] = a.d[i * a.c + j];
  return m;
}
function matmul(a, b) {
  if (a.c !== b.r) fail("a product of " + shapeOf(a) + " and " + shapeOf(b) + " does not fit");
  var m = new Mat(a.r, b.c);
  for (var i = 0; i < a.r; i++) for (var j = 0; j < b.c; j++) {
    var s = 0;
    for (var k = 0; k < a.c; k++) s += a.d[i * a.c + k] * b.d[k * b.c + j];
    m.d[i * b.c + j] = s;
  }
  return m;
}
function sameMat(a, b) {
  if (a.r !== b.r || a.c !== b.c) return false;
  for (var i = 0; i < a.d.length; i++) if (!(a.d[i] === b.d[i])) return false;
  return true;
}
/* NumPy's nanmin / nanmax of four candidates (NaN when all are NaN) */
function nanmin4(a, b, c, d) {
  var out = NaN;
  [a, b, c, d].forEach(function (x) { if (x === x && !(out <= x)) out = x; });
  return out;
}
function nanmax4(a, b, c, d) {
  var out = NaN;
  [a, b, c, d].forEach(function (x) { if (x === x && !(out >= x)) out = x; });
  return out;
}
/* NumPy's minimum / maximum (NaN wins), and Python's min / max of two floats */
function npmin(a, b) { return a !== a || b !== b ? NaN : Math.min(a, b); }
function npmax(a, b) { return a !== a || b !== b ? NaN : Math.max(a, b); }
function pymin(a, b) { return b < a ? b : a; }
function pymax(a, b) { return b > a ? b : a; }
function pyslice(n, span) {
  if (span === null) return [0, n];
  var s = span[0], e = span[1];
  s = s === null ? 0 : s < 0 ? Math.max(n + s, 0) : Math.min(s, n);
  e = e === null ? n : e < 0 ? Math.max(n + e, 0) : Math.min(e, n);
  return [s, Math.max(s, e)];
}

/* -- formulas: aibyhand.formula._eval, for a value (point) or an interval ----------------- */
function iv(lo, hi) { return {lo: lo, hi: hi === undefined ? lo : hi}; }
function each(x, f) { return iv(map(x.lo, f), map(x.hi, f)); }
var IDENTITY = {identity: true};
function need(x, what) { if (x === IDENTITY) fail("I needs a matrix beside it (" + what + ")"); return x; }
function identity(other) {
  if (other.nd === 0) fail("I beside a number");
  var m = new Mat(other.c, other.c);
  for (var i = 0; i < other.c; i++) m.d[i * other.c + i] = 1;
  return iv(m);
}
function ev(node, env, point) {
  var x, f, k;
  switch (node[0]) {
    case "name":
      x = env(node[1]);
      if (!x) fail(node[1] + " is not known here");
      return x;
    case "num": return iv(scalar(node[1]));
    case "I": return IDENTITY;
    case "add": case "sub": case "mul": case "div": case "matmul":
      var a = ev(node[1], env, point), b = ev(node[2], env, point);
      if (a === IDENTITY && b === IDENTITY) fail("I times I");
      if (a === IDENTITY) a = identity(b.lo);
      if (b === IDENTITY) b = identity(a.lo);
      return BINARY[node[0]](a, b, point);
    case "neg":
      x = need(ev(node[1], env, point), "-");
      return iv(map(x.hi, function (v) { return -v; }), map(x.lo, function (v) { return -v; }));
    case "T":
      x = need(ev(node[1], env, point), "^T");
      return iv(transpose(x.lo), transpose(x.hi));
    case "exp":
      f = Math.log(node[1]);
      return each(need(ev(node[2], env, point), "^"), function (v) { return Math.exp(v * f); });
    case "power":
      x = need(ev(node[1], env, point), "^");
      k = node[2];
      if (point || k !== 2) return each(x, function (v) { return power(v, k); });
      return square(x.lo, x.hi);
    case "log":
      f = Math.log(node[1]);
      return each(need(ev(node[2], env, point), "log"), function (v) { return Math.log(npmax(v, 0)) / f; });
    case "slice":
      x = need(ev(node[1], env, point), "[ ]");
      return iv(slice(x.lo, node[2], node[3]), slice(x.hi, node[2], node[3]));
    case "cat":
      var parts = node.slice(1).map(function (p) { return need(ev(p, env, point), "[ | ]"); });
      return iv(cat(parts.map(function (p) { return p.lo; })), cat(parts.map(function (p) { return p.hi; })));
    case "call": return call(node, env, point);
  }
  fail("unknown node " + node[0]);
}
function power(v, k) {  /* NumPy's shortcuts for these exponents */
  if (k === 2) return v * v;
  if (k === 0.5) return Math.sqrt(v);
  if (k === -1) return 1 / v;
  if (k === 1) return v;
  if (k === 0) return 1;
  return Math.pow(v, k);
}
function square(lo, hi) {
  return iv(zip(lo, hi, function (l, h) { return l <= 0 && h >= 0 ? 0 : npmin(l * l, h * h); }),
            zip(lo, hi, function (l, h) { return npmax(l * l, h * h); }));
}
function slice(a, rows, cols) {
  a = as2d(a);
  var rs = pyslice(a.r, rows), cs = pyslice(a.c, cols), m = new Mat(rs[1] - rs[0], cs[1] - cs[0]);
  for (var i = 0; i < m.r; i++) for (var j = 0; j < m.c; j++) {
    m.d[i * m.c + j] = a.d[(rs[0] + i) * a.c + cs[0] + j];
  }
  return m;
}
function cat(parts) {
  parts = parts.map(as2d);
  var r = parts[0].r, c = 0;
  parts.forEach(function (p) { if (p.r !== r) fail("[ | ]: " + p.r + " rows beside " + r); c += p.c; });
  var m = new Mat(r, c), at = 0;
  parts.forEach(function (p) {
    for (var i = 0; i < r; i++) for (var j = 0; j < p.c; j++) m.d[i * c + at + j] = p.d[i * p.c + j];
    at += p.c;
  });
  return m;
}
function plus(x, y) { return x + y; }
function minus(x, y) { return x - y; }
var BINARY = {
  add: function (a, b) { return iv(zip(a.lo, b.lo, plus), zip(a.hi, b.hi, plus)); },
  sub: function (a, b) { return iv(zip(a.lo, b.hi, minus), zip(a.hi, b.lo, minus)); },
  mul: function (a, b, point) {
    if (point) return iv(zip(a.lo, b.lo, function (x, y) { return x * y; }));
    return iv(zip4(a.lo, a.hi, b.lo, b.hi, function (a0, a1, b0, b1) {
      return nanmin4(a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    }), zip4(a.lo, a.hi, b.lo, b.hi, function (a0, a1, b0, b1) {
      return nanmax4(a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    }));
  },
  div: function (a, b, point) {
    if (point) return iv(zip(a.lo, b.lo, function (x, y) { return x / y; }));
    return iv(zip4(a.lo, a.hi, b.lo, b.hi, function (a0, a1, b0, b1) {
      return b0 <= 0 && b1 >= 0 ? -Infinity : nanmin4(a0 / b0, a0 / b1, a1 / b0, a1 / b1);
    }), zip4(a.lo, a.hi, b.lo, b.hi, function (a0, a1, b0, b1) {
      return b0 <= 0 && b1 >= 0 ? Infinity : nanmax4(a0 / b0, a0 / b1, a1 / b0, a1 / b1);
    }));
  },
  matmul: function (a, b, point) {
    var one = function (m) { return m.nd === 0 || m.r * m.c === 1; };
    if (one(a.lo) || one(b.lo)) {  /* a number times a matrix */
      var s = one(a.lo) ? a : b, m = s === a ? b : a;
      var s0 = copy(s.lo), s1 = copy(s.hi);
      s0.r = s0.c = s1.r = s1.c = 1;
      s0.nd = s1.nd = 0;
      return BINARY.mul(iv(s0, s1), m, point);
    }
    if (point) return iv(matmul(a.lo, b.lo));
    var abs = function (m) { return map(m, Math.abs); };
    var am = zip(a.lo, a.hi, function (l, h) { return (l + h) / 2; });
    var ar = zip(a.lo, a.hi, function (l, h) { return (h - l) / 2; });
    var bm = zip(b.lo, b.hi, function (l, h) { return (l + h) / 2; });
    var br = zip(b.lo, b.hi, function (l, h) { return (h - l) / 2; });
    var cm = matmul(am, bm), cr = matmul(abs(am), br), t1 = matmul(ar, abs(bm)), t2 = matmul(ar, br);
    var t3 = matmul(abs(am), abs(bm));  /* for the midpoint product's own rounding */
    for (var i = 0; i < cr.d.length; i++) cr.d[i] = ((cr.d[i] + t1.d[i]) + t2.d[i]) + 4 * EPS * t3.d[i];
    return iv(zip(cm, cr, minus), zip(cm, cr, plus));
  }
};
function whole(node, env) {
  var x = need(ev(node, env, true), "a count");
  if (x.lo.d.length !== 1 || !isFinite(x.lo.d[0])) fail("expected one whole number");
  return Math.trunc(x.lo.d[0]);
}
function ids(node, env) {
  var x = as2d(need(ev(node, env, true), "ids").lo), out = [];
  for (var j = 0; j < x.c; j++) {
    if (!isFinite(x.d[j])) fail("an id that is not a number");
    out.push(Math.trunc(x.d[j]));
  }
  return out;
}
function column(id, n, what) {
  var k = id < 0 ? id + n : id;
  if (k < 0 || k >= n) fail(what + ": id " + id + " is out of range for " + n + " columns");
  return k;
}
function reduce(a, axis, how) {  /* "row": one value per row (rowsum), "col": one per column */
  var outR = axis === "row" ? a.r : 1, outC = axis === "row" ? 1 : a.c, n = axis === "row" ? a.c : a.r;
  if (n === 0 && how === "max") fail("the largest of nothing");
  var m = new Mat(outR, outC);
  for (var i = 0; i < outR; i++) for (var j = 0; j < outC; j++) {
    var acc = how === "max" ? -Infinity : 0;
    for (var k = 0; k < n; k++) {
      var v = axis === "row" ? a.d[i * a.c + k] : a.d[k * a.c + j];
      if (how === "max") acc = v !== v || acc !== acc ? NaN : Math.max(acc, v); else acc += v;
    }
    m.d[i * outC + j] = how === "mean" ? acc / n : acc;
  }
  return m;
}
function pad(a, rows, cols, before) {
  var m = new Mat(a.r + rows, a.c + cols);
  for (var i = 0; i < a.r; i++) for (var j = 0; j < a.c; j++) m.d[i * m.c + j + before] = a.d[i * a.c + j];
  return m;
}
function repeat(a, n) {
  var m = new Mat(a.r, a.c * n);
  for (var i = 0; i < m.r; i++) for (var j = 0; j < m.c; j++) m.d[i * m.c + j] = a.d[i * a.c + Math.floor(j / n)];
  return m;
}
function call(node, env, point) {
  var name = node[1], x, lo, hi, n;
  if (name === "pad" || name === "padcols" || name === "repeat" || name === "atlast") {
    x = need(ev(node[2], env, point), name);
    lo = as2d(x.lo);
    hi = as2d(x.hi);
    n = whole(node[3], env);
    if (name === "repeat") {
      if (n < 0) fail("repeat: a negative count");
      return iv(repeat(lo, n), repeat(hi, n));
    }
    if (name === "atlast") {
      if (n < 1) fail("atlast: " + n + " columns");
      return iv(pad(lo, 0, n - 1, n - 1), pad(hi, 0, n - 1, n - 1));
    }
    var has = name === "pad" ? lo.r : lo.c, extra = n - has;
    if (extra < 0) fail(name + ": " + has + " is more than " + n);
    if (name === "pad") return iv(pad(lo, extra, 0, 0), pad(hi, extra, 0, 0));
    return iv(pad(lo, 0, extra, 0), pad(hi, 0, extra, 0));
  }
  if (name === "lookup" || name === "scatter") {
    x = need(ev(node[2], env, point), name);
    lo = as2d(x.lo);
    hi = as2d(x.hi);
    var which = ids(node[3], env);
    if (name === "lookup") {
      var pick = function (a) {
        var m = new Mat(a.r, which.length);
        which.forEach(function (id, j) {
          var k = column(id, a.c, "lookup");
          for (var i = 0; i < a.r; i++) m.d[i * m.c + j] = a.d[i * a.c + k];
        });
        return m;
      };
      return iv(pick(lo), pick(hi));
    }
    n = whole(node[4], env);
    if (which.length !== lo.c) fail("scatter: " + which.length + " ids for " + lo.c + " columns");
    var add = function (a) {
      var m = new Mat(a.r, n);
      which.forEach(function (id, j) {
        var k = column(id, n, "scatter");
        for (var i = 0; i < a.r; i++) m.d[i * n + k] += a.d[i * a.c + j];
      });
      return m;
    };
    return iv(add(lo), add(hi));
  }
  x = need(ev(node[2], env, point), name);
  lo = x.lo;
  hi = x.hi;
  var lo2 = as2d(lo), hi2 = as2d(hi), both = function (f) { return iv(f(lo2), f(hi2)); };
  switch (name) {
    case "norm":
      var sq = point ? each(iv(lo2, hi2), function (v) { return v * v; }) : square(lo2, hi2);
      return iv(map(reduce(sq.lo, "col", "sum"), Math.sqrt), map(reduce(sq.hi, "col", "sum"), Math.sqrt));
    case "rowsum": return both(function (a) { return reduce(a, "row", "sum"); });
    case "colsum": return both(function (a) { return reduce(a, "col", "sum"); });
    case "rowmax": return both(function (a) { return reduce(a, "row", "max"); });
    case "colmax": return both(function (a) { return reduce(a, "col", "max"); });
    case "rowmean": return both(function (a) { return reduce(a, "row", "mean"); });
    case "sumall": case "mean":
      return both(function (a) {
        var s = 0;
        for (var i = 0; i < a.d.length; i++) s += a.d[i];
        return scalar(name === "mean" ? s / a.d.length : s);
      });
    case "diag":
      return both(function (a) {
        var k = Math.min(a.r, a.c), m = new Mat(k, 1);
        for (var i = 0; i < k; i++) m.d[i] = a.d[i * a.c + i];
        return m;
      });
    case "sqrt": return each(x, function (v) { return Math.sqrt(npmax(v, 0)); });
    case "relu": return each(x, function (v) { return npmax(v, 0); });
    case "positive": return each(x, function (v) { return v > 0 ? 1 : 0; });
    case "ln": return each(x, function (v) { return Math.log(npmax(v, 0)); });
    case "argmax": return point ? iv(argmax(lo2)) : couldBeLargest(lo2, hi2);
    case "rank":
      if (!point && !sameMat(lo, hi)) {  /* Weyl, as formula.py: at least the singular values above the radius */
        var mid = new Mat(lo2.r, lo2.c), half = 0;
        for (var t = 0; t < mid.d.length; t++) {
          mid.d[t] = (lo2.d[t] + hi2.d[t]) / 2;
          half += Math.pow((hi2.d[t] - lo2.d[t]) / 2, 2);
        }
        half = Math.sqrt(half);
        if (!isFinite(half) || !mid.d.every(isFinite)) return iv(scalar(0), scalar(Math.min(lo2.r, lo2.c)));
        var kept = singular(mid).filter(function (v) { return v > half * (1 + 1e-9); }).length;
        return iv(scalar(kept), scalar(Math.min(lo2.r, lo2.c)));
      }
      return iv(scalar(rank(lo2)));
  }
  fail("unknown function " + name);
}
function argmax(a) {  /* each column's first largest row, as NumPy (a NaN counts as largest) */
  var m = new Mat(1, a.c);
  for (var j = 0; j < a.c; j++) {
    var best = 0;
    for (var i = 1; i < a.r; i++) {
      var v = a.d[i * a.c + j], b = a.d[best * a.c + j];
      if (b !== b) break;
      if (v !== v || v > b) best = i;
    }
    m.d[j] = best;
  }
  return m;
}
/* argmax's interval: the first and the last row that could be the largest */
function couldBeLargest(lo, hi) {
  var could = couldBeLargestRows(iv(lo, hi)), first = new Mat(1, lo.c), last = new Mat(1, lo.c);
  for (var c = 0; c < lo.c; c++) {
    first.d[c] = Infinity;
    last.d[c] = -Infinity;
    for (var r = 0; r < lo.r; r++) {
      if (could.d[r * lo.c + c]) { first.d[c] = Math.min(first.d[c], r); last.d[c] = r; }
    }
  }
  return iv(first, last);
}
/* formula.could_be_largest: a row whose high end reaches its column's best low end */
function couldBeLargestRows(x) {
  var lo = as2d(x.lo), hi = as2d(x.hi);
  var top = reduce(lo, "col", "max"), out = new Mat(lo.r, lo.c);
  for (var r = 0; r < lo.r; r++) for (var c = 0; c < lo.c; c++) out.d[r * lo.c + c] = hi.d[r * lo.c + c] >= top.d[c] ? 1 : 0;
  return out;
}
function oneOf(y, rows, col) {  /* check._one_of: y is the index of a row that could be largest */
  return Number.isInteger(y) && y >= 0 && y < rows.r && rows.d[y * rows.c + col] === 1;
}
/* numpy.linalg.matrix_rank: singular values above max * max(r, c) * eps */
function rank(a) {
  var s = singular(a);
  var tol = Math.max.apply(null, s.concat([0])) * Math.max(a.r, a.c) * EPS;
  return s.filter(function (v) { return v > tol; }).length;
}
function singular(a) {  /* singular values, by one-sided Jacobi */
  for (var t = 0; t < a.d.length; t++) if (!isFinite(a.d[t])) fail("rank of a matrix with a number missing");
  var m = a.r >= a.c ? copy(a) : transpose(a), R = m.r, C = m.c, at = function (i, j) { return m.d[i * C + j]; };
  for (var sweep = 0; sweep < 60; sweep++) {
    var off = 0;
    for (var p = 0; p < C; p++) for (var q = p + 1; q < C; q++) {
      var al = 0, be = 0, ga = 0;
      for (var i = 0; i < R; i++) {
        al += at(i, p) * at(i, p);
        be += at(i, q) * at(i, q);
        ga += at(i, p) * at(i, q);
      }
      if (ga === 0 || Math.abs(ga) <= EPS * Math.sqrt(al * be)) continue;
      off = Math.max(off, Math.abs(ga) / Math.sqrt(al * be));
      var zeta = (be - al) / (2 * ga);
      var tan = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
      var cos = 1 / Math.sqrt(1 + tan * tan), sin = cos * tan;
      for (var k = 0; k < R; k++) {
        var u = at(k, p), w = at(k, q);
        m.d[k * C + p] = cos * u - sin * w;
        m.d[k * C + q] = sin * u + cos * w;
      }
    }
    if (off <= EPS) break;
  }
  var s = [];
  for (var j = 0; j < C; j++) {
    var n2 = 0;
    for (var h = 0; h < R; h++) n2 += at(h, j) * at(h, j);
    s.push(Math.sqrt(n2));
  }
  return s;
}

/* -- marking: aibyhand.classroom.check.mark -------------------------------------------- */
var STEPS = G.steps, BOXES = G.boxes, CELLS = G.cells;
var SETTINGS = {}, KNOWN = {}, VALUE = {}, REST = {}, BOX_OF = {};
Object.keys(G.settings).forEach(function (k) { SETTINGS[k] = iv(scalar(G.settings[k])); });
BOXES.forEach(function (b, k) { BOX_OF[b.step] = k; b.cells = []; });
CELLS.forEach(function (c, k) { BOXES[c[0]].cells.push(k); });
function around(values, radius) {
  var v = fromRows(values), r = fromRows(radius);
  return iv(zip(v, r, minus), zip(v, r, plus));
}
STEPS.forEach(function (st) {
  if (st.value) {
    VALUE[st.name] = fromRows(st.value);
    KNOWN[st.name] = st.radius ? around(st.value, st.radius) : iv(VALUE[st.name]);
  }
  if (st.rest) REST[st.name] = around(st.rest, st.rest_radius);
});
function fit(x, shape) {
  if (x === IDENTITY) fail("a step that is only I");
  var lo = as2d(x.lo), hi = as2d(x.hi);
  if (!((lo.r === shape[0] || lo.r === 1) && (lo.c === shape[1] || lo.c === 1)))
    fail("a value of " + shapeOf(lo) + " for a step of " + shape[0] + " x " + shape[1]);
  var full = function (a) { return zip(a, new Mat(shape[0], shape[1]), function (v) { return v; }); };
  return iv(full(lo), full(hi));
}
function within(y, lo, hi) {
  if (!isFinite(y)) return y === lo || y === hi;  /* only an infinite bound admits it */
  if (!(isFinite(lo) && isFinite(hi))) {
    if ((y === Infinity || y === -Infinity) && (y === lo || y === hi)) return true;
    if (lo !== lo || hi !== hi) return false;
  }
  var slack = SLACK * pymax(1.0, Math.abs(y));
  return lo - RHO - slack <= y && y <= hi + RHO + slack;
}
var exactCache = null;
function exactValues() {  /* the exact chain, from the givens (only a hint needs it) */
  if (exactCache) return exactCache;
  var env = {};
  Object.keys(SETTINGS).forEach(function (k) { env[k] = SETTINGS[k]; });
  var lookup = function (n) { return env[n]; };
  STEPS.forEach(function (st) {
    env[st.name] = st.tree ? fit(ev(st.tree, lookup, true), st.shape) : iv(VALUE[st.name]);
  });
  exactCache = {};
  Object.keys(env).forEach(function (k) { exactCache[k] = env[k].lo; });
  return exactCache;
}
/* check.hint: a nudge that does not give the number away (no sign or decimal point
   named where the value it points to is a whole number) */
function isWhole(x) { return Math.abs(x - Math.round(x)) <= SLACK * pymax(1.0, Math.abs(x)); }
function shifted(y, f, lo, hi) { return within(y * f, lo, hi) && !isWhole(y * f); }
function hint(y, lo, hi, name, i, j) {
  if (!isFinite(y)) return "a box holds a number";
  if (within(-y, lo, hi) && Math.abs(y) > RHO && !isWhole(-y)) return "check the sign";
  var away = lo > 2 * RHO || hi < -2 * RHO;  /* only a value with digits to shift has a decimal point to misplace */
  if (away && Math.abs(y) > RHO &&
      (shifted(y, 0.1, lo, hi) || shifted(y, 10, lo, hi) || shifted(y, 0.01, lo, hi) || shifted(y, 100, lo, hi)))
    return "check the decimal point";
  if (lo - 3 * RHO <= y && y <= hi + 3 * RHO) return "close: check the last digit (round to 2 decimals)";
  var v;
  try { v = exactValues()[name]; } catch (err) { v = null; }
  if (v && i !== j && v.r === v.c) {
    var t = v.d[j * v.c + i];
    if (within(y, t - RHO, t + RHO)) return "rows and columns swapped?";
  }
  return "redo it from the boxes its formula uses";
}
/* tables.read_power: the power as read from the page's table */
function readPower(b, x, snap) {
  var D = snap[0], last = snap[1], zero = snap[2];
  var at = function (e) {
    return map(e, function (v) {
      var g = Math.floor(v * D + 0.5) / D;
      return zero && g * D < -last - 1e-9 ? 0 : Math.pow(G.base, g);
    });
  };
  var a = at(x.lo), z = at(x.hi);
  return iv(zip(b.lo, zip(a, z, npmin), npmin), zip(b.hi, zip(a, z, npmax), npmax));
}
/* tables.read_log: -log_b p as read from the page's log table (p to the nearest 1/D) */
function readLog(b, p, snap) {
  var D = snap[0];
  var at = function (e) {
    return map(e, function (v) {
      var g = Math.floor(v * D + 0.5) / D;
      return g > 0 ? -Math.log(g) / Math.log(G.base) : NaN;
    });
  };
  var a = at(p.lo), z = at(p.hi);
  return iv(zip(b.lo, zip(a, z, fmin), fmin), zip(b.hi, zip(a, z, fmax), fmax));
}
function fmin(a, b) { return a !== a ? b : b !== b ? a : Math.min(a, b); }  /* NumPy's fmin */
function fmax(a, b) { return a !== a ? b : b !== b ? a : Math.max(a, b); }
function isLog(tree) { return tree[0] === "neg" && tree[1][0] === "log"; }
/* the exact value of one cell (null when the chain cannot be computed) */
function exactAt(name, p) {
  try { return exactValues()[name].d[p]; } catch (err) { return null; }
}
/* check._skipped */
function skipped(v, lo, hi, ref) {
  return [pymin(pymax(lo - RHO, v - SKIPPED), ref - RHO), pymax(pymin(hi + RHO, v + SKIPPED), ref + RHO)];
}
/* check._carried */
function carried(v, lo, hi) { return [pymax(v - RHO, pymin(v, lo)), pymin(v + RHO, pymax(v, hi))]; }
/* written: box index -> the matrix the sheet shows (NaN: blank). One verdict per cell
   (null: not marked yet). follow, clean and ref as in check.mark. A step depends only on
   the steps before it and on its own boxes, so what the last marking found before the
   first box that changed is kept (memo) and only the rest is marked again; and only up
   to the last step that has a box written in (every box after it is blank, "not done",
   whatever the steps give). upto: mark only the steps before it for now; their boxes'
   verdicts are final, the rest is null. */
var memo = null, STEP_AT = {};
STEPS.forEach(function (st, s) { STEP_AT[st.name] = s; });
function sameWritten(a, b) {
  if (!a || !b || a.d.length !== b.d.length) return false;
  for (var i = 0; i < a.d.length; i++) if (!(a.d[i] === b.d[i] || (a.d[i] !== a.d[i] && b.d[i] !== b.d[i]))) return false;
  return true;
}
function mark(written, upto) {
  var follow = Object.assign({}, SETTINGS), clean = Object.assign({}, SETTINGS), ref = {};
  Object.keys(SETTINGS).forEach(function (k) { ref[k] = iv(SETTINGS[k].lo); });
  var out = new Array(CELLS.length).fill(null), start = 0, kept = memo, last = -1;
  BOXES.forEach(function (b, k) {
    if (written[k] && written[k].d.some(function (y) { return y === y; })) last = Math.max(last, STEP_AT[b.step]);
  });
  var end = Math.min(upto === undefined ? STEPS.length : upto, last + 1);
  memo = null;
  if (kept) {
    start = kept.steps.length;
    BOXES.forEach(function (b, k) { if (!sameWritten(written[k], kept.written[k])) start = Math.min(start, STEP_AT[b.step]); });
    start = Math.min(start, end);
    for (var s = 0; s < start; s++) {
      var name = STEPS[s].name;
      follow[name] = kept.steps[s][0];
      clean[name] = kept.steps[s][1];
      ref[name] = kept.steps[s][2];
    }
    CELLS.forEach(function (c, n) { if (STEP_AT[BOXES[c[0]].step] < start) out[n] = kept.out[n]; });
  }
  var steps = kept ? kept.steps.slice(0, start) : [];
  for (var t = start; t < end; t++) {
    markStep(STEPS[t], follow, clean, ref, written, out);
    steps.push([follow[STEPS[t].name], clean[STEPS[t].name], ref[STEPS[t].name]]);
  }
  CELLS.forEach(function (c, n) { if (STEP_AT[BOXES[c[0]].step] > last) out[n] = {verdict: "", hint: ""}; });
  var copied = {};
  BOXES.forEach(function (b, k) { copied[k] = written[k] ? copy(written[k]) : null; });
  memo = {written: copied, steps: steps, out: out.slice()};
  return out;
}
function markStep(st, follow, clean, ref, written, out) {
  var name = st.name;
  if (!st.tree) { follow[name] = clean[name] = KNOWN[name]; ref[name] = iv(VALUE[name]); return; }
  var k = BOX_OF[name], box = k === undefined ? null : BOXES[k];
  var here = box ? G.printed_on[String(box.page)] || [] : [];
  var over = function (env) { return function (n) { return here.indexOf(n) >= 0 ? KNOWN[n] : env[n]; }; };
  var overRef = function (n) { return here.indexOf(n) >= 0 ? iv(VALUE[n]) : ref[n]; };
  var F = fit(ev(st.tree, over(follow), false), st.shape);
  var C = fit(ev(st.tree, over(clean), false), st.shape);
  var R = copy(fit(ev(st.tree, overRef, true), st.shape).lo);
  if (st.snap && st.tree[0] === "exp") {
    F = readPower(F, fit(ev(st.tree[2], over(follow), false), st.shape), st.snap);
    C = readPower(C, fit(ev(st.tree[2], over(clean), false), st.shape), st.snap);
  } else if (st.snap && isLog(st.tree)) {
    F = readLog(F, fit(ev(st.tree[1][2], over(follow), false), st.shape), st.snap);
    C = readLog(C, fit(ev(st.tree[1][2], over(clean), false), st.shape), st.snap);
  }
  if (!box) { follow[name] = F; clean[name] = C; ref[name] = iv(R); return; }
  /* argmax: judged by the set of rows that could be largest, as check.mark */
  var could = st.tree[0] === "call" && st.tree[1] === "argmax" ?
    [couldBeLargestRows(ev(st.tree[2], over(follow), false)), couldBeLargestRows(ev(st.tree[2], over(clean), false))]
    : null;
  var fl = copy(F.lo), fh = copy(F.hi), cl = copy(C.lo), ch = copy(C.hi), cols = st.shape[1];
  if (box.rest === "grey") {  /* the cells the sheet prints are used as printed */
    var asked = {}, rest = REST[name], restValue = fromRows(st.rest);
    box.cells.forEach(function (n) {
      var c = CELLS[n];
      asked[box.T ? c[2] * cols + c[1] : c[1] * cols + c[2]] = true;
    });
    for (var p = 0; p < fl.d.length; p++) if (!asked[p]) {
      fl.d[p] = cl.d[p] = rest.lo.d[p];
      fh.d[p] = ch.d[p] = rest.hi.d[p];
      R.d[p] = restValue.d[p];
    }
  }
  var mine = written[k];
  box.cells.forEach(function (n) {
    var c = CELLS[n], i = box.T ? c[2] : c[1], j = box.T ? c[1] : c[2], p = i * cols + j;
    var y = mine ? mine.d[c[1] * mine.c + c[2]] : NaN;
    var f0 = F.lo.d[p], f1 = F.hi.d[p], c0 = C.lo.d[p], c1 = C.hi.d[p], verdict;
    if (y !== y) {
      verdict = "";
      var cs = skipped(R.d[p], c0, c1, R.d[p]), mid = (f0 + f1) / 2;
      var fs = skipped(isFinite(mid) ? mid : R.d[p], f0, f1, R.d[p]);
      fl.d[p] = fs[0];
      fh.d[p] = fs[1];
      cl.d[p] = cs[0];
      ch.d[p] = cs[1];
    } else {
      if (could) {
        var ex = exactAt(name, p);
        verdict = oneOf(y, could[1], j) || y === ex ? "right" : oneOf(y, could[0], j) ? "follow" : "wrong";
      } else {
        var e = within(y, c0, c1) ? null : exactAt(name, p);  /* the exact value is right */
        verdict = within(y, c0, c1) || (e !== null && within(y, e, e)) ? "right"
          : within(y, f0, f1) ? "follow" : "wrong";
      }
      fl.d[p] = y - RHO;
      fh.d[p] = y + RHO;
      if (verdict === "right") R.d[p] = y;
      var cc = carried(R.d[p], c0, c1);
      cl.d[p] = cc[0];
      ch.d[p] = cc[1];
    }
    out[n] = {verdict: verdict, hint: verdict !== "wrong" ? "" : could ? G.largest_hint : hint(y, f0, f1, name, i, j)};
  });
  follow[name] = iv(fl, fh);
  clean[name] = iv(cl, ch);
  ref[name] = iv(R);
}

/* -- reading what is typed: spelling.read and spelling.value ----------------------------- */
var SPACE = "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
var INVISIBLE = /[\ufeff\u200b\u200c\u200d\u2060\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
var MINUS = /[\u2212\u2010\u2011\u2012\u2013\ufe63]/g;
var ENDS = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");
var SLASH = new RegExp("[" + SPACE + "]*/[" + SPACE + "]*", "g");
var AFTER_SIGN = new RegExp("(^|/)([+-])[" + SPACE + "]+", "g");
var PART = "[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)";
var NUMBER = new RegExp("^(" + PART + ")(?:/(" + PART + "))?$");
var COMMA = /^[+-]?[0-9]+,[0-9]+$/;
var OTHER_DIGIT = /(?![0-9])\p{Nd}/u;
var REASONS = G.reasons, DIGITS = G.digits;
function tidy(raw) {
  var text = raw.replace(INVISIBLE, "").normalize("NFKC").replace(MINUS, "-").replace(ENDS, "");
  return text.replace(SLASH, "/").replace(AFTER_SIGN, "$1$2");
}
/* {text} (blank "", a number, a fraction, or the word as words spells it) or {reason} */
function spell(raw, words) {
  var text = tidy(raw);
  if (text === "") return {text: ""};
  var lower = words.map(function (w) { return w.toLowerCase(); }), w = lower.indexOf(text.toLowerCase());
  if (w >= 0) return {text: words[w]};
  var m = NUMBER.exec(text);
  if (m) {
    if (text.match(/[0-9]+/g).some(function (run) { return run.length > DIGITS; })) return {reason: REASONS.long};
    if (m[2] !== undefined && Number(m[2]) === 0) return {reason: REASONS.zero};
    return {text: text};
  }
  if (/%$/.test(text)) return {reason: REASONS.percent};
  if (COMMA.test(text)) return {reason: REASONS.comma};
  if (OTHER_DIGIT.test(text)) return {reason: REASONS.digits};
  return {reason: REASONS.other + (words.length ? ", or one of the words " + words.join(", ") : "")};
}
function spelled(text, words) {  /* spelling.value */
  if (text === "") return NaN;
  var w = words.indexOf(text);
  if (w >= 0) return w;
  var parts = text.split("/");
  return parts.length === 1 ? Number(parts[0]) : Number(parts[0]) / Number(parts[1]);
}
function parseCell(raw, words) {  /* {value} (NaN: blank) or {bad: why} */
  var got = spell(raw, words);
  return got.reason === undefined ? {value: spelled(got.text, words)} : {bad: got.reason};
}

/* -- the page ------------------------------------------------------------------------- */
var INPUTS = new Array(CELLS.length), HINTS = new Array(BOXES.length), restoring = false;
var progress = document.getElementById("progress"), meter = document.querySelector(".meter i");
var status = document.getElementById("status"), statusText = status.querySelector("span"), statusTimer = 0;
(function () {
  var where = {}, key = function (item, row, col) { return item + "\u0000" + row + "\u0000" + col; };
  var boxOf = {};
  CELLS.forEach(function (c, n) { where[key(BOXES[c[0]].item, c[1], c[2])] = n; });
  BOXES.forEach(function (b, k) { boxOf[b.item] = k; });
  Array.prototype.forEach.call(document.querySelectorAll("input[data-step]"), function (el) {
    var n = where[key(el.getAttribute("data-step"), el.getAttribute("data-row"), el.getAttribute("data-col"))];
    if (n !== undefined) INPUTS[n] = el;
  });
  Array.prototype.forEach.call(document.querySelectorAll(".hint[data-item]"), function (el) {
    var k = boxOf[el.getAttribute("data-item")];
    if (k !== undefined) HINTS[k] = el;
  });
})();
function formulaText(box) {
  return box.item + " = " + box.formula + (box.uses.length ? "; it uses " + box.uses.join(", ") : "");
}
/* a message at the foot of the screen: what was saved (it goes away), or why the page cannot check */
function say(text, error) {
  clearTimeout(statusTimer);
  statusText.textContent = text;
  status.className = error ? "error" : "";
  status.hidden = !text;
  if (text && !error) statusTimer = setTimeout(function () { status.hidden = true; }, 15000);
}
status.querySelector("button").addEventListener("click", function () { say(""); });

/* what the DOM shows, so that only what changed is touched: a blank page to begin with */
var drawn = CELLS.map(function () { return "\u0000\u0000"; }), shownAs = CELLS.map(function () { return ""; });
var lineOf = CELLS.map(function () { return ""; }), hintsDrawn = BOXES.map(function () { return ""; });
var parsed = CELLS.map(function () { return ["", {value: NaN}]; }), progressDrawn = "", rest = [0, 0];
/* what input n holds, parsed once per text; only: the one input a key can have changed
   (each key's input event reads its own box, so the others are as last read) */
function read(n, only) {
  if (only !== undefined && only !== n) return parsed[n][1];
  var text = INPUTS[n] ? INPUTS[n].value : "";
  if (parsed[n][0] !== text) parsed[n] = [text, parseCell(text, BOXES[CELLS[n][0]].words)];
  return parsed[n][1];
}
/* mark and show. changed: the input typed in; its box and everything before it is marked
   at once, the rest after the next frame (so that the box's own verdict is painted first) */
function refresh(changed) {
  cancelAnimationFrame(rest[0]);
  clearTimeout(rest[1]);
  if (!memo && INPUTS.every(function (el) { return !el || el.value === ""; })) return;  /* nothing typed yet */
  var written = {}, bad = {}, at = changed === undefined ? -1 : INPUTS.indexOf(changed);
  var only = at >= 0 ? at : undefined, upto = at >= 0 ? STEP_AT[BOXES[CELLS[at][0]].step] + 1 : undefined;
  BOXES.forEach(function (b, k) { written[k] = new Mat(b.shape[0], b.shape[1]); written[k].d.fill(NaN); });
  CELLS.forEach(function (c, n) {
    var got = read(n, only), m = written[c[0]];
    if (got.bad) bad[n] = got.bad; else m.d[c[1] * m.c + c[2]] = got.value;
  });
  var marks;
  try {
    marks = mark(written, upto);
  } catch (err) {
    say("This page cannot check this sheet: " + (err && err.message ? err.message : err), true);
    return;
  }
  if (status.className === "error") say("");
  var boxes = {}, pending = false;
  CELLS.forEach(function (c, n) {
    var el = INPUTS[n], m = marks[n];
    if (!el) return;
    if (!m) { pending = true; if (!bad[n] && shownAs[n] !== "bad") return; m = {verdict: "", hint: ""}; }
    var box = BOXES[c[0]], v = bad[n] ? "unreadable" : m.verdict, shown = bad[n] ? "bad" : v, text = "", line = "";
    if (bad[n]) {
      text = c[3] + ": cannot be read: " + bad[n] + ".";
      line = "cannot be read: " + bad[n];
    } else if (v === "wrong") {
      text = c[3] + ": " + m.hint + ". " + formulaText(box) + ".";
      line = m.hint;
    }
    shownAs[n] = shown;
    if (lineOf[n] !== line) { lineOf[n] = line; boxes[c[0]] = true; }
    var now = v + "\u0000" + shown + "\u0000" + text;
    if (drawn[n] === now) return;
    drawn[n] = now;
    el.setAttribute("data-verdict", v);
    el.setAttribute("aria-invalid", bad[n] || v === "wrong" ? "true" : "false");
    el.parentNode.setAttribute("data-v", shown);
    if (bad[n]) el.setAttribute("data-bad", ""); else el.removeAttribute("data-bad");
    if (text) el.title = text; else el.removeAttribute("title");
  });
  Object.keys(boxes).forEach(function (k) {  /* each box's hints, under it */
    var el = HINTS[k], div, b;
    if (!el) return;
    el.textContent = "";
    BOXES[k].cells.forEach(function (n) {
      if (!lineOf[n]) return;
      div = document.createElement("div");
      b = document.createElement("b");
      div.className = shownAs[n];
      b.textContent = CELLS[n][3] + ": ";
      div.appendChild(b);
      div.appendChild(document.createTextNode(lineOf[n]));
      el.appendChild(div);
    });
    el.hidden = !el.firstChild;
  });
  var count = {right: 0, follow: 0, wrong: 0, bad: 0, "": 0};
  shownAs.forEach(function (v) { count[v] += 1; });
  var done = [count.right + " of " + CELLS.length + " boxes right"];
  if (count.follow) done.push(count.follow + " follow-through");
  if (count.wrong) done.push(count.wrong + " wrong");
  if (count.bad) done.push(count.bad + " cannot be read");
  done.push(count[""] + " not done");
  if (progressDrawn !== done.join(", ")) {
    progressDrawn = done.join(", ");
    progress.firstChild.textContent = progressDrawn;
    progress.lastChild.textContent = (count.right + count.follow) + " of " + CELLS.length + " right" +
      (count.wrong + count.bad ? ", " + (count.wrong + count.bad) + " to fix" : "");
    meter.style.transform = "scaleX(" + ((count.right + count.follow) / Math.max(CELLS.length, 1)).toFixed(4) + ")";
  }
  if (pending) rest[0] = requestAnimationFrame(function () { rest[1] = setTimeout(settle, 0); });
}
function settle() { refresh(); }  /* mark whatever is left now */

/* a grid wider than its page is shown one matrix after another, as on a phone */
var NARROW = window.matchMedia("(max-width: 720px)");
function arrange() {
  if (NARROW.matches) return;
  var grids = Array.prototype.slice.call(document.querySelectorAll(".grid"));
  grids.forEach(function (g) { g.classList.remove("stack"); });
  var wide = grids.filter(function (g) {
    var sec = g.parentElement, css = getComputedStyle(sec);
    return g.scrollWidth > sec.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight) + 1;
  });
  wide.forEach(function (g) { g.classList.add("stack"); });
}
var arranging = 0;
window.addEventListener("resize", function () {
  cancelAnimationFrame(arranging);
  arranging = requestAnimationFrame(arrange);
});

/* -- saving: the answers file check.template lays out ------------------------------------- */
function tomlString(s) {
  var out = '"';
  for (var i = 0; i < s.length; i++) {
    var ch = s[i], code = s.charCodeAt(i);
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (code < 0x20 || code === 0x7f) out += "\\u" + ("000" + code.toString(16)).slice(-4);
    else out += ch;
  }
  return out + '"';
}
var STUDENT = document.getElementById("student");
function studentName() { return STUDENT.value.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").trim(); }
function answersText() {
  var text = G.toml[0] + tomlString(studentName()) + G.toml[1];
  for (var n = 0; n < CELLS.length; n++) text += tomlString(INPUTS[n] ? INPUTS[n].value : "") + G.toml[n + 2];
  return text;
}
/* names.slug: letters, marks and digits of every script, lowercased; a run of anything else
   one "-"; at most 40 characters; a hash of the name where case, punctuation or spacing was lost */
function fnv1a(text) {
  var bytes = new TextEncoder().encode(text), h = 0x811c9dc5;
  for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return ("0000000" + h.toString(16)).slice(-8);
}
function slug(name) {
  var nfc = name.normalize("NFC");
  var s = nfc.toLowerCase().replace(/[^\p{L}\p{M}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "");
  s = Array.from(s).slice(0, 40).join("") || "student";
  return nfc === s.replace(/-/g, " ") ? s : s + "-" + fnv1a(nfc);
}
function fileName() { return "answers-" + G.worksheet + "-" + slug(studentName()) + ".toml"; }
function save() {
  var a = document.createElement("a"), file = fileName();
  a.href = URL.createObjectURL(new Blob([answersText()], {type: "application/toml"}));
  a.download = file;
  document.body.appendChild(a);
  a.click();
  setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
  var unread = INPUTS.filter(function (el) { return el && el.hasAttribute("data-bad"); }).length;
  say("Saved " + file + ". Check it with: aibyhand check " + G.worksheet + " " + file + G.check_args +
      (unread ? ". " + unread + " box" + (unread > 1 ? "es" : "") + " cannot be read: they are saved as you " +
       "typed them and count as wrong until you fix them" : ""));
}
/* what is typed survives a reload of the page (a phone drops a tab it does not show):
   kept a moment after typing stops, and whenever the page is hidden or left */
var keeping = 0;
function keep() {
  clearTimeout(keeping);
  keeping = 0;
  var typed = INPUTS.map(function (el) { return el ? el.value : ""; });
  try { localStorage.setItem(G.id, JSON.stringify(typed)); localStorage.setItem("aibyhand:student", STUDENT.value); } catch (e) { /* storage off: nothing kept */ }
}
function remember() {
  if (restoring) return;
  clearTimeout(keeping);
  keeping = setTimeout(keep, 300);
}
window.addEventListener("pagehide", function () { if (keeping) keep(); });
document.addEventListener("visibilitychange", function () { if (keeping && document.hidden) keep(); });
function restore() {
  try {
    if (!STUDENT.defaultValue) STUDENT.value = localStorage.getItem("aibyhand:student") || "";
    var got = JSON.parse(localStorage.getItem(G.id) || "null");
    if (!Array.isArray(got) || got.length !== INPUTS.length) return;
    restoring = true;
    got.forEach(function (v, n) { if (INPUTS[n] && typeof v === "string") INPUTS[n].value = v; });
  } catch (e) { /* storage off: nothing kept */ } finally { restoring = false; }
}
document.addEventListener("input", function (e) {
  if (!e.target || !e.target.hasAttribute || !e.target.hasAttribute("data-step")) return;
  refresh(e.target);
  remember();
});
/* Enter: the next box as the page reads, which need not be the answers file's order */
var READING = Array.prototype.slice.call(document.querySelectorAll("input[data-step]"));
document.addEventListener("keydown", function (e) {
  var n = READING.indexOf(e.target);
  if (n < 0 || e.key !== "Enter") return;
  e.preventDefault();
  if (n + 1 < READING.length) READING[n + 1].focus();
});
document.getElementById("save").addEventListener("click", save);
STUDENT.addEventListener("input", remember);

/* for tests and the curious: the evaluator on plain arrays (a number, or a list of rows),
   and the answers file as it would be saved */
function rowsOf(m) {
  var out = [];
  for (var i = 0; i < m.r; i++) out.push(Array.prototype.slice.call(m.d, i * m.c, (i + 1) * m.c));
  return out;
}
function plain(x) { return typeof x === "number" ? scalar(x) : fromRows(x); }
function run(tree, env, point) {
  var x = ev(tree, function (n) { return env[n]; }, point);
  if (x === IDENTITY) fail("a formula that is only I");
  return {nd: x.lo.nd, lo: rowsOf(x.lo), hi: rowsOf(x.hi)};
}
window.aibyhand = {
  evaluate: function (tree, values) {
    var env = {};
    Object.keys(values).forEach(function (k) { env[k] = iv(plain(values[k])); });
    return run(tree, env, true);
  },
  enclose: function (tree, bounds) {
    var env = {};
    Object.keys(bounds).forEach(function (k) { env[k] = iv(plain(bounds[k][0]), plain(bounds[k][1])); });
    return run(tree, env, false);
  },
  answers: answersText,
  settle: settle,
  slug: slug,
  spell: spell,
  value: function (raw, words) { var got = parseCell(raw, words || []); return got.bad === undefined ? got.value : null; }
};
restore();
refresh();
arrange();
requestAnimationFrame(function () {
  requestAnimationFrame(function () { document.documentElement.classList.remove("draw-all"); });
});
performance.mark("aibyhand:ready");
})();
