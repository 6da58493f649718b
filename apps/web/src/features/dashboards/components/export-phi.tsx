import type { DashboardExport } from '@cdp/contracts';
import { ShieldAlert } from 'lucide-react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Tooltip } from '../../../components/ui/tooltip.tsx';

/**
 * "Contains PHI in clear": the export was made for someone cleared for PHI and read PHI columns,
 * so the file shows them unmasked and only readers cleared for PHI on the study may download it.
 */
export function ClearPhiBadge({ exported }: { exported: Pick<DashboardExport, 'clearPhi'> }) {
  if (!exported.clearPhi) return null;
  return (
    <Tooltip content="This file shows protected health information unmasked (it was made for someone cleared for PHI). Only readers cleared for PHI on this study can download it; anyone else can export the dashboard themselves for a masked copy.">
      <Badge tone="warning" tabIndex={0} data-testid="clear-phi-badge">
        <ShieldAlert aria-hidden />
        Contains PHI in clear
      </Badge>
    </Tooltip>
  );
}

/** Why this reader cannot download the file, shown beside the disabled button (a disabled button shows no tooltip). */
export function DownloadRefused({ exported }: { exported: Pick<DashboardExport, 'downloadRefused'> }) {
  if (!exported.downloadRefused) return null;
  return (
    <p className="text-xs text-muted-foreground" data-testid="download-refused">
      {exported.downloadRefused}
    </p>
  );
}
