"""The local road network: a jittered rural lattice with dense street grids around the seats.

One fine grid (spacing `fine_m`) spans the area. Rural nodes exist only at every `coarse_every`-th
fine position (the lattice, about 1 km apart for the province); inside the town discs around the
seats every fine position is a node (the street grid). Along each grid line consecutive nodes are
joined, so streets merge into lattice roads without overlaps; rural cells get one diagonal now and
then, and a share of rural links is dropped so the network looks less regular.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from layers.demo.geo import Projection, curved_lines, line_lengths_m


@dataclass(frozen=True)
class LatticeParams:
    """Spacing and shape parameters of the local network."""

    fine_m: float  # street spacing in towns
    coarse_every: int  # rural nodes every this many fine positions
    city_radius_m: float
    county_radius_m: float
    diagonal_share: float = 0.7  # rural cells that get a diagonal road
    drop_share: float = 0.08  # rural links left out
    rural_pieces: int = 1  # rural links are cut into this many segments (village roads are short)


@dataclass
class Lattice:
    """Nodes and edges of the local network, in LCC metres and lon/lat."""

    xy: np.ndarray  # (N, 2)
    lonlat: np.ndarray  # (N, 2)
    urban: np.ndarray  # (N,) node inside a town grid
    edges: np.ndarray  # (E, 2) node indices
    coords: np.ndarray  # (V, 2) LCC vertices of all edges
    coords_ll: np.ndarray  # (V, 2) lon/lat vertices
    offsets: np.ndarray  # (E + 1,)
    lengths_m: np.ndarray  # (E,)
    urban_edge: np.ndarray  # (E,) street of a town grid
    grid_line: np.ndarray  # (E,) 2 * row for east-west edges, 2 * column + 1 for north-south, -1 diagonals


def _urban_mask(
    shape: tuple[int, int],
    x0: float,
    y0: float,
    h: float,
    centres: list[tuple[float, float, float]],
    rng: np.random.Generator,
) -> np.ndarray:
    """Fine-grid cells inside the ragged town discs around `centres` (x, y, radius)."""
    ny, nx = shape
    mask = np.zeros(shape, dtype=bool)
    for cx, cy, radius in centres:
        reach = radius * 1.4
        i0, i1 = max(int((cx - reach - x0) / h), 0), min(int((cx + reach - x0) / h) + 2, nx)
        j0, j1 = max(int((cy - reach - y0) / h), 0), min(int((cy + reach - y0) / h) + 2, ny)
        if i0 >= i1 or j0 >= j1:
            continue
        gx = x0 + np.arange(i0, i1) * h - cx
        gy = y0 + np.arange(j0, j1) * h - cy
        dx, dy = np.meshgrid(gx, gy)
        theta = np.arctan2(dy, dx)
        phase = rng.uniform(0, 2 * np.pi, 3)
        lobes = 0.12 * np.sin(2 * theta + phase[0]) + 0.08 * np.sin(3 * theta + phase[1])
        ragged = radius * (1 + lobes + 0.05 * np.sin(7 * theta + phase[2]))
        mask[j0:j1, i0:i1] |= np.hypot(dx, dy) <= ragged
    return mask


def _line_pairs(major: np.ndarray, minor: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (a, b) of consecutive nodes on grid lines, given nodes sorted by (major, minor).

    Neighbours one fine step apart are always joined; on lattice lines (major % k == 0) gaps of up to
    k steps are joined too. Returns a, b and whether the pair is one fine step apart.
    """
    a = np.arange(len(major) - 1)
    b = a + 1
    gap = minor[b] - minor[a]
    same = major[a] == major[b]
    keep = same & ((gap == 1) | ((major[a] % k == 0) & (gap <= k)))
    return a[keep], b[keep], gap[keep] == 1


def build_lattice(
    area_ll: shapely.Geometry,
    proj: Projection,
    centres: list[tuple[float, float, float]],
    params: LatticeParams,
    rng: np.random.Generator,
) -> Lattice:
    """The local network inside `area_ll` (lon/lat), town grids around `centres` (LCC x, y, radius)."""
    h, k = params.fine_m, params.coarse_every
    s = h * k
    area_xy = proj.geom_to_xy(area_ll)
    minx, miny, maxx, maxy = area_xy.bounds
    x0, y0 = np.floor(minx / s) * s, np.floor(miny / s) * s
    nx, ny = int(np.ceil((maxx - x0) / h)) + 1, int(np.ceil((maxy - y0) / h)) + 1

    urban = _urban_mask((ny, nx), x0, y0, h, centres, rng)
    near_urban = ndimage.maximum_filter(urban.view(np.uint8), size=2 * k + 1).astype(bool)
    coarse = np.zeros((ny, nx), dtype=bool)
    coarse[::k, ::k] = True
    jj, ii = np.nonzero(coarse | urban)

    amp = np.where(urban[jj, ii] | near_urban[jj, ii], 0.08 * h, 0.22 * s)
    jitter = rng.uniform(-1.0, 1.0, (len(jj), 2)) * amp[:, None]
    x = x0 + ii * h + jitter[:, 0]
    y = y0 + jj * h + jitter[:, 1]
    lon, lat = proj.to_lonlat(x, y)
    shapely.prepare(area_ll)
    inside = shapely.contains_xy(area_ll, lon, lat)
    jj, ii, x, y, lon, lat = jj[inside], ii[inside], x[inside], y[inside], lon[inside], lat[inside]
    is_urban = urban[jj, ii]

    # Edges along rows (nodes are in row-major order already), columns, and rural diagonals.
    ha, hb, hfine = _line_pairs(jj, ii, k)
    col_order = np.lexsort((jj, ii))
    va, vb, vfine = _line_pairs(ii[col_order], jj[col_order], k)
    va, vb = col_order[va], col_order[vb]

    on_lattice = (jj % k == 0) & (ii % k == 0)
    ncy, ncx = (ny - 1) // k + 1, (nx - 1) // k + 1
    cidx = np.full((ncy, ncx), -1, dtype=np.int64)
    cidx[jj[on_lattice] // k, ii[on_lattice] // k] = np.flatnonzero(on_lattice)
    integral = np.zeros((ny + 1, nx + 1), dtype=np.int32)
    integral[1:, 1:] = np.cumsum(np.cumsum(urban, axis=0, dtype=np.int32), axis=1)
    grid_j, grid_i = np.meshgrid(np.arange(ncy - 1), np.arange(ncx - 1), indexing="ij")
    cj, ci = grid_j.ravel(), grid_i.ravel()
    j0, j1 = cj * k, np.minimum(cj * k + k + 1, ny)
    i0, i1 = ci * k, np.minimum(ci * k + k + 1, nx)
    urban_cells = integral[j1, i1] - integral[j0, i1] - integral[j1, i0] + integral[j0, i0]
    corners = np.stack([cidx[cj, ci], cidx[cj, ci + 1], cidx[cj + 1, ci], cidx[cj + 1, ci + 1]], axis=1)
    pick = (corners.min(axis=1) >= 0) & (urban_cells == 0) & (rng.random(len(cj)) < params.diagonal_share)
    flip = rng.random(len(cj)) < 0.5
    da = np.where(flip, corners[:, 1], corners[:, 0])[pick]
    db = np.where(flip, corners[:, 2], corners[:, 3])[pick]

    edges = np.concatenate([np.column_stack([ha, hb]), np.column_stack([va, vb]), np.column_stack([da, db])])
    fine = np.concatenate([hfine, vfine, np.zeros(len(da), dtype=bool)]) & is_urban[edges[:, 0]] & is_urban[edges[:, 1]]
    grid_line = np.concatenate([2 * jj[ha], 2 * ii[va] + 1, np.full(len(da), -1)])
    keep = fine | (rng.random(len(edges)) >= params.drop_share)
    edges, fine, grid_line = edges[keep], fine[keep], grid_line[keep]

    # Shapes: town streets straight, rural roads gently curved (less so where they enter a town).
    xy = np.column_stack([x, y])
    ll = np.column_stack([lon, lat])
    rural_count = 5 if params.rural_pieces <= 1 else 2 * params.rural_pieces + 1
    counts = np.where(fine, 2, rural_count)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    coords = np.empty((offsets[-1], 2))
    curved = np.flatnonzero(~fine)
    spread = np.where(is_urban[edges[curved, 0]] | is_urban[edges[curved, 1]], 0.025, 0.06)
    amplitude = np.clip(rng.normal(0.0, 1.0, (len(curved), 2)) * spread[:, None] * [1.0, 0.5], -0.15, 0.15)
    pts = curved_lines(xy[edges[curved, 0]], xy[edges[curved, 1]], rural_count - 2, amplitude)
    coords[offsets[curved][:, None] + np.arange(rural_count)] = pts
    straight = np.flatnonzero(fine)
    coords[offsets[straight]] = xy[edges[straight, 0]]
    coords[offsets[straight] + 1] = xy[edges[straight, 1]]
    coords_ll = np.column_stack(proj.to_lonlat(coords[:, 0], coords[:, 1]))
    coords_ll[offsets[:-1]] = ll[edges[:, 0]]
    coords_ll[offsets[1:] - 1] = ll[edges[:, 1]]

    # Edges near the boundary must stay inside it; deep inside, the shapes cannot reach it.
    inner = shapely.buffer(area_xy, -1.5 * s)
    deep = shapely.contains_xy(inner, x, y) if not inner.is_empty else np.zeros(len(x), dtype=bool)
    check = np.flatnonzero(~(deep[edges[:, 0]] & deep[edges[:, 1]]))
    ok = np.ones(len(edges), dtype=bool)
    if len(check):
        lines = shapely.linestrings(coords_ll, indices=np.repeat(np.arange(len(edges)), counts))[check]
        ok[check] = shapely.covers(area_ll, lines)

    # Keep the largest connected piece only.
    n = len(x)
    e_ok = edges[ok]
    graph = coo_matrix((np.ones(len(e_ok)), (e_ok[:, 0], e_ok[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    main = np.argmax(np.bincount(labels[np.unique(e_ok)], minlength=labels.max() + 1))
    node_keep = labels == main
    ok &= node_keep[edges[:, 0]] & node_keep[edges[:, 1]]
    new_index = np.cumsum(node_keep) - 1

    vertex_keep = np.repeat(ok, counts)
    counts = counts[ok]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    coords, coords_ll = coords[vertex_keep], coords_ll[vertex_keep]
    edges = new_index[edges[ok]]
    return Lattice(
        xy=xy[node_keep],
        lonlat=ll[node_keep],
        urban=is_urban[node_keep],
        edges=edges,
        coords=coords,
        coords_ll=coords_ll,
        offsets=offsets,
        lengths_m=line_lengths_m(coords_ll[:, 0], coords_ll[:, 1], offsets),
        urban_edge=fine[ok],
        grid_line=grid_line[ok],
    )
