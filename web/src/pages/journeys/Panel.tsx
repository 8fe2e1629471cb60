// The side panel of the selected node: its problems, its form, delete, and who is there now.
import { ENTRY, TYPE_LABEL, type Definition, type Problem, type Step } from './model.ts';
import { EntryForm } from './EntryForm.tsx';
import { StepForm } from './StepForm.tsx';
import { WhoIsHere } from './Overlay.tsx';
import { newStepId } from './edit.ts';

export interface PanelProps {
  def: Definition; id: string; problems: Problem[]; editable: boolean; templates: string[]; journeyId: string; live: boolean;
  onDef: (d: Definition) => void; onStep: (id: string, s: Step) => void; onDelete: (id: string) => void; onClose: () => void;
}

export function Panel({ def, id, problems, editable, templates, journeyId, live, onDef, onStep, onDelete, onClose }: PanelProps) {
  const step = def.steps[id];
  const title = id === ENTRY ? 'Entry and journey settings' : step ? `${TYPE_LABEL[step.type] ?? step.type}: ${id}` : id;
  return (
    <aside className="jpanel" aria-label="Step settings" data-testid="panel">
      <header><h3>{title}</h3><button className="link" onClick={onClose} aria-label="Close panel">close</button></header>
      {problems.length > 0 && (
        <ul className="jproblems" role="alert" aria-label="Problems">
          {problems.map(p => <li key={p.path + p.message}><b>{p.path.replace(/^steps\.[^.]+\.?/, '') || 'step'}</b>: {p.message}</li>)}
        </ul>
      )}
      <div className="jform">
        {id === ENTRY
          ? <EntryForm def={def} onChange={onDef} disabled={!editable} />
          : step && <StepForm step={step} onChange={s => onStep(id, s)}
            ctx={{ stepIds: Object.keys(def.steps), self: id, newExit: newStepId(def, 'exit'), disabled: !editable, templates }} />}
      </div>
      {editable && step && <button className="danger" onClick={() => onDelete(id)}>Delete step</button>}
      {live && step && <WhoIsHere journeyId={journeyId} step={id} />}
    </aside>
  );
}
