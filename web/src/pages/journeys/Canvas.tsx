// The journey on a React Flow canvas: computed positions (no dragging, the layout is the
// graph's), a "+" on every edge to insert a step there, badges on steps with problems, and
// the live counts on each node.
import { useEffect, useMemo, useState } from 'react';
import {
  ReactFlow, Background, Controls, Handle, Position, BaseEdge, EdgeLabelRenderer, getSmoothStepPath, useReactFlow,
  type Node, type Edge, type NodeProps, type EdgeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { allEdges, layout, position, GAP_Y, NODE_H, NODE_W, type FlowEdge } from './graph.ts';
import { ENTRY, STEP_TYPES, TYPE_LABEL, type Definition, type Problem, type StepType } from './model.ts';
import { entrySummary, summary } from './describe.ts';
import { NodeStats, type Stats, type StatMode } from './Overlay.tsx';

interface NodeData extends Record<string, unknown> {
  kind: 'entry' | 'step' | 'holdout';
  title: string; id: string; text: string; hasOut: boolean; problems: Problem[]; stats: Stats | null; mode: StatMode; selected: boolean;
}
interface EdgeData extends Record<string, unknown> { flow: FlowEdge; label: string; canInsert: boolean; open: boolean; onPlus: (id: string | null) => void }

function StepNode({ data }: NodeProps<Node<NodeData>>) {
  const bad = data.problems.length > 0;
  return (
    <div className={`jnode jnode-${data.kind}${data.selected ? ' selected' : ''}${bad ? ' invalid' : ''}`} style={{ width: NODE_W }}
      data-testid={`node-${data.id}`} role="button" aria-label={`${data.title} ${data.id}`}>
      {data.kind !== 'entry' && <Handle type="target" position={Position.Top} />}
      <div className="jnode-head">
        <span className="jnode-type">{data.title}</span>
        {data.kind === 'step' && <span className="jnode-id">{data.id}</span>}
        {bad && <span className="badge-bad" data-testid={`badge-${data.id}`} title={data.problems.map(p => p.message).join('\n')}>
          {data.problems.every(p => p.publishOnly) ? 'unconfigured' : 'invalid'}</span>}
      </div>
      <div className="jnode-text">{data.text}</div>
      {data.stats && data.kind !== 'holdout' && <NodeStats id={data.id} stats={data.stats} mode={data.mode} />}
      {data.hasOut && <Handle type="source" position={Position.Bottom} />}
    </div>
  );
}

/**
 * An edge that skips layers (or goes back up a loop) would run straight through the steps
 * between; it bows out to the side instead, further the more layers it spans.
 */
function edgePath(p: EdgeProps): [string, number, number] {
  const span = Math.abs(p.targetY - p.sourceY);
  if (span > (NODE_H + GAP_Y) * 1.2 || p.targetY < p.sourceY) {
    const side = p.targetY < p.sourceY ? -1 : 1;
    const w = side * Math.min(420, NODE_W / 2 + 40 + span / 8);
    const path = `M ${p.sourceX},${p.sourceY} C ${p.sourceX + w},${p.sourceY + 60} ${p.targetX + w},${p.targetY - 60} ${p.targetX},${p.targetY}`;
    return [path, (p.sourceX + p.targetX) / 2 + 0.75 * w, (p.sourceY + p.targetY) / 2];
  }
  const [path, lx, ly] = getSmoothStepPath({ sourceX: p.sourceX, sourceY: p.sourceY, targetX: p.targetX, targetY: p.targetY, sourcePosition: p.sourcePosition, targetPosition: p.targetPosition, borderRadius: 10 });
  return [path, lx, ly];
}

function PlusEdge(p: EdgeProps<Edge<EdgeData>>) {
  const [path, lx, ly] = edgePath(p);
  const d = p.data as EdgeData;
  return (
    <>
      <BaseEdge id={p.id} path={path} markerEnd={p.markerEnd} className={`jedge-${d.flow.kind}`} />
      <EdgeLabelRenderer>
        <div className="jedge-label nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${lx}px, ${ly}px)` }}>
          {d.label && <span className="jedge-text" data-testid={`edge-label-${p.id}`}>{d.label}</span>}
          {d.canInsert && <button className={`jedge-plus${d.open ? ' open' : ''}`} aria-label={`Insert a step on ${d.flow.from} → ${d.flow.to}`} data-testid={`plus-${p.id}`}
            onClick={() => d.onPlus(d.open ? null : p.id)}>+</button>}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

/** Frames the whole journey again whenever a step is added or removed, so the new step is in view. */
function FitOnChange({ shape }: { shape: string }) {
  const flow = useReactFlow();
  useEffect(() => {
    const t = setTimeout(() => {
      void flow.fitView({ maxZoom: 1, padding: 0.15 }).then(() => {
        // A long journey fitted whole is unreadable: show its top at a readable size instead.
        if (flow.getZoom() >= MIN_READABLE) return;
        const width = document.querySelector('.jcanvas')?.clientWidth ?? 800;
        void flow.setViewport({ x: width / 2 - (NODE_W / 2) * MIN_READABLE, y: 24, zoom: MIN_READABLE });
      });
    }, 30);
    return () => clearTimeout(t);
  }, [shape, flow]);
  return null;
}

const MIN_READABLE = 0.6;

const nodeTypes = { step: StepNode };
const edgeTypes = { plus: PlusEdge };

export interface CanvasProps {
  /** Changes when the space around the canvas does (a panel opens or closes): the journey is framed again. */
  frame: string;
  def: Definition; problems: Problem[]; stats: Stats | null; mode: StatMode; selected: string | null; editable: boolean;
  onSelect: (id: string | null) => void; onInsert: (e: FlowEdge, t: StepType) => void;
}

/** Which node a problem belongs to: its step, or the entry for journey-level fields. */
export const problemNode = (p: Problem) => p.step ?? ENTRY;

export function Canvas({ frame, def, problems, stats, mode, selected, editable, onSelect, onInsert }: CanvasProps) {
  const [menu, setMenu] = useState<string | null>(null);
  const { nodes, edges } = useMemo(() => {
    const placed = layout(def);
    const sizes = new Map<number, number>();
    for (const p of placed.values()) sizes.set(p.layer, (sizes.get(p.layer) ?? 0) + 1);
    const flowEdges = allEdges(def);
    const nodes: Node<NodeData>[] = [...placed.values()].map(p => {
      const step = def.steps[p.id];
      const kind: NodeData['kind'] = p.id === ENTRY ? 'entry' : step ? 'step' : 'holdout';
      const title = kind === 'entry' ? 'Entry' : kind === 'holdout' ? 'Holdout' : TYPE_LABEL[step.type] ?? String(step.type);
      const text = kind === 'entry' ? entrySummary(def) : kind === 'holdout' ? 'receives nothing; counted for conversion' : summary(step);
      return {
        id: p.id, type: 'step', position: position(p, sizes.get(p.layer) ?? 1), draggable: false, connectable: false,
        data: { kind, title, id: p.id, text, hasOut: kind === 'entry' || (kind === 'step' && step.type !== 'exit'), problems: problems.filter(x => problemNode(x) === p.id), stats: kind === 'holdout' ? null : stats, mode, selected: selected === p.id },
      };
    });
    const ids = new Set(nodes.map(n => n.id));
    const edges: Edge<EdgeData>[] = flowEdges.filter(e => ids.has(e.to)).map(e => ({
      id: e.id, source: e.from, target: e.to, type: 'plus', markerEnd: { type: 'arrowclosed' } as Edge['markerEnd'],
      data: { flow: e, label: e.label, canInsert: editable && e.kind !== 'holdout', open: menu === e.id, onPlus: setMenu },
    }));
    return { nodes, edges };
  }, [def, problems, stats, mode, selected, editable, menu]);
  const open = menu ? edges.find(e => e.id === menu)?.data?.flow : undefined;

  return (
    <div className="jcanvas" data-testid="canvas">
      <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} edgeTypes={edgeTypes} fitView fitViewOptions={{ maxZoom: 1, padding: 0.15 }}
        minZoom={0.2} nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} proOptions={{ hideAttribution: true }}
        onNodeClick={(_, n) => onSelect(n.id.startsWith('__holdout') ? null : n.id)} onPaneClick={() => { setMenu(null); onSelect(null); }}>
        <Background gap={20} color="#e4e7ee" />
        <Controls showInteractive={false} />
        <FitOnChange shape={`${frame}|${nodes.map(n => n.id).join()}`} />
      </ReactFlow>
      {open && (
        // Outside the flow's layers, so no node can cover it.
        <div className="jmenu" role="menu" aria-label={`Insert a step between ${open.from === ENTRY ? 'the entry' : open.from} and ${open.to}`}>
          <div className="muted">Insert between {open.from === ENTRY ? 'the entry' : open.from} and {open.to}:</div>
          {STEP_TYPES.filter(t => t !== 'exit').map(t => <button key={t} role="menuitem" onClick={() => { setMenu(null); onInsert(open, t); }}>{TYPE_LABEL[t]}</button>)}
          <button className="link" onClick={() => setMenu(null)}>cancel</button>
        </div>
      )}
    </div>
  );
}
