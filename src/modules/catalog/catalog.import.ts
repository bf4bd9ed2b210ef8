import type { Ctx } from '../../context.ts'
import type { ImportOptions, ImportSummary } from '../imports/import-report.ts'

export async function importProductsFile(_ctx: Ctx, _file: string, _opts: ImportOptions = {}): Promise<ImportSummary> {
  throw new Error('not implemented yet')
}
